"""Encryption in transit turned on or off, through preferred."""

from __future__ import annotations


from ..model import Deployment
from .steps import Procedure, Step, TLS_MIGRATION, modify, transit_in_place, transit_mode


def transit_encryption(old: Deployment, new: Deployment) -> Procedure | None:
    """Off -> preferred -> required with the clients rolled to TLS in between (Redis OSS 7.0+,
    Valkey 7.2+); on older engines only a new group can change it."""
    before, after = transit_mode(old), transit_mode(new)
    if before == after or not transit_in_place(new):  # an older engine: `replacement` builds a new group
        return None
    steps: list[Step] = []
    if before == "off":
        steps.append(modify(new, "turn encryption in transit on in preferred mode (TLS and plain text both accepted)",
                             None, TransitEncryptionEnabled=True, TransitEncryptionMode="preferred"))
    if after == "required":
        steps.append(modify(new, "require TLS (after every client uses rediss://: cachegen env writes the new URLs)",
                             "clients still connecting in plain text are refused", TransitEncryptionMode="required"))
    elif after == "preferred" and before == "required":
        steps.append(modify(new, "accept plain text again (preferred)", None, TransitEncryptionMode="preferred"))
    elif after == "off":
        if before == "required":
            steps.append(modify(new, "accept plain text (preferred)", None, TransitEncryptionMode="preferred"))
        steps.append(modify(new, "turn encryption in transit off (after every client uses redis://)",
                             "clients still connecting with TLS are refused", TransitEncryptionEnabled=False))
    return Procedure("transit-encryption", f"Encryption in transit {before} -> {after}", (TLS_MIGRATION,),
                     tuple(steps), "The stack update that follows finds TransitEncryptionEnabled and "
                                   "TransitEncryptionMode as it describes them.")
