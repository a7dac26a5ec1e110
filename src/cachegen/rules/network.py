"""Region, subnets and who may connect: what EC2 and ElastiCache accept."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from .. import catalog
from ..diagnostics import did_you_mean
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
SG_RULES = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html"


@rule(RULES, "V100", "The region offers ElastiCache", "https://docs.aws.amazon.com/general/latest/gr/elasticache-service.html",
      stage="spec")
def region_exists(ctx: Context) -> Iterator[Finding]:
    regions = sorted(catalog.regions())
    if ctx.spec.region not in regions:
        yield Finding(("region",), f"ElastiCache is not offered in a region named {ctx.spec.region}",
                      expected="a region of the AWS, AWS China or AWS GovCloud (US) partitions, e.g. us-east-1",
                      suggestion=did_you_mean(ctx.spec.region, regions))


@rule(RULES, "V107", "Subnets are unique and lie in the spec's region",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html", stage="spec")
def subnets_in_region(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    seen: set[str] = set()
    for index, subnet in enumerate(spec.network.subnets):
        if not subnet.az.startswith(spec.region) or not subnet.az[len(spec.region):].isalpha():
            yield Finding(("network", "subnets", index, "az"),
                          f"availability zone {subnet.az} is not in the region {spec.region}",
                          expected=f"an AZ of {spec.region}, e.g. {spec.region}a")
        if subnet.id in seen:
            yield Finding(("network", "subnets", index, "id"), f"subnet {subnet.id} is listed more than once")
        seen.add(subnet.id)


@rule(RULES, "V108", "Application security groups are listed once",
      "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html", stage="spec")
def unique_security_groups(ctx: Context) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, group in enumerate(ctx.spec.network.allowed_security_groups):
        if group in seen:
            yield Finding(("network", "allowed_security_groups", index),
                          f"security group {group} is listed more than once (AWS rejects duplicate rules)")
        seen.add(group)


@rule(RULES, "V110", "Allowed CIDRs are IPv4 or IPv6 network addresses, each listed once", SG_RULES, stage="spec")
def cidrs(ctx: Context) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, text in enumerate(ctx.spec.network.allowed_cidrs):
        path = ("network", "allowed_cidrs", index)
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(text, strict=False)
            except ValueError:
                yield Finding(path, f"`{text}` is not an IPv4 or IPv6 CIDR block",
                              expected="an address and a prefix length, e.g. 10.0.0.0/16 or 2001:db8::/56")
            else:
                yield Finding(path, f"`{text}` has host bits set: a rule takes the network address",
                              expected=str(loose), suggestion=f"write {loose}")
            continue
        if str(network) in seen:
            yield Finding(path, f"CIDR {network} is listed more than once (AWS rejects duplicate rules)")
        seen.add(str(network))


# --- advice ------------------------------------------------------------------------------

OPEN = {"0.0.0.0/0", "::/0"}


@rule(RULES, "CG004", "Ingress only from the application's security groups (no 0.0.0.0/0 or ::/0)",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/elasticache-vpc-accessing.html", blocking=False,
      severity="error",
      rationale="The cache port should admit the workers' security group only; a CIDR admits whatever holds an "
                "address in it, and 0.0.0.0/0 or ::/0 admits everything that can route to the subnet.")
def ingress_from_security_groups(ctx: Context) -> Iterator[Finding]:
    for index, cidr in enumerate(ctx.spec.network.allowed_cidrs):
        if str(ipaddress.ip_network(cidr, strict=False)) in OPEN:
            yield Finding(("network", "allowed_cidrs", index), f"ingress from {cidr}: open to every address")


@rule(RULES, "CG014", "The subnet group has subnets in at least two AZs",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html", blocking=False, severity="warning",
      rationale="With one AZ, replicas cannot be placed elsewhere and Multi-AZ cannot be turned on later.")
def subnets_in_two_azs(ctx: Context) -> Iterator[Finding]:
    azs = ctx.deployment.availability_zones
    if len(azs) < 2:
        yield Finding(("network", "subnets"), f"every subnet is in {azs[0]}")


@rule(RULES, "CG017", "Ingress rules within EC2's default quota of inbound rules per security group",
      "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html", blocking=False, severity="warning",
      rationale="A security group takes 60 inbound rules by default, counted separately for IPv4 and IPv6, "
                "and a rule naming a security group counts for both: above that, creating the group's rules fails "
                "until a quota increase has been granted.")
def inbound_rule_quota(ctx: Context) -> Iterator[Finding]:
    ingress = ctx.deployment.ingress
    quota = catalog.quotas("ec2")["inbound_rules_per_security_group_default_quota"]
    for family, cidrs in (("IPv4", ingress.ipv4_cidrs), ("IPv6", ingress.ipv6_cidrs)):
        rules = len(ingress.security_groups) + len(cidrs)
        if rules > quota:
            yield Finding(("network", "allowed_cidrs"),
                          f"{rules} {family} inbound rules ({len(ingress.security_groups)} security groups, "
                          f"{len(cidrs)} CIDRs): above EC2's default quota of {quota} per security group; "
                          "request an increase of 'Inbound or outbound rules per security group' first, or "
                          "fewer, wider CIDRs")
            return  # the security groups count for both families: one finding says it


@rule(RULES, "V112", "The cache admits clients from at least one source, or uses an existing security group alone",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VPCs.html", stage="spec",
      rationale="A security group cachegen creates with no ingress admits nobody; an existing group's rules belong to "
                "its owner, and rules cachegen added to it would be left behind when the environment is deleted.")
def ingress_sources(ctx: Context) -> Iterator[Finding]:
    network = ctx.spec.network
    sources = bool(network.allowed_security_groups or network.allowed_cidrs)
    if network.security_group_id is None and not sources:
        yield Finding(("network", "allowed_security_groups"), "no client may connect: no security group or CIDR is allowed",
                      expected="allowed_security_groups: [the clients' security groups], or security_group_id")
    elif network.security_group_id is not None and sources:
        written = [("network", key) for key in ("allowed_cidrs", "allowed_security_groups") if getattr(network, key)]
        inherited = any(ctx.merged.origin(path) is None or not ctx.merged.origin(path).startswith(
            f"{ctx.merged.display_name}:") for path in written)
        yield Finding(ctx.merged.most_likely_edited(*written, ("network", "security_group_id")),
                      "an existing security group's rules are its owner's: cachegen adds none to it",
                      expected="no allowed_security_groups or allowed_cidrs beside security_group_id",
                      suggestion="`allowed_security_groups: null` (or `allowed_cidrs: null`) drops what a base file "
                                 "sets" if inherited else None)


DNS_SOURCE = "https://github.com/redis/redis-py/pull/3626"


@rule(RULES, "V113", "A group's URLs name its Route 53 record only without TLS", DNS_SOURCE,
      rationale="ElastiCache's server certificate names the endpoint (*.<group>.<id>.<region>.cache.amazonaws.com), "
                "and redis-py 6.0 and later check that the name a client dialled is in it: a client given a CNAME "
                "of the endpoint fails the TLS handshake.")
def record_in_urls(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.dns is not None and d.dns.use_in_urls and d.tls:
        yield Finding(("dns", "use_in_urls"), "with TLS, a client that connects to the record fails the certificate's "
                                              "name check: the certificate names the endpoint",
                      expected="use_in_urls: false (the URLs keep the endpoint; the record still resolves for people "
                               "and tools), or in_transit_encryption.enabled: false")


@rule(RULES, "V114", "A reader record needs a reader endpoint, and a name of its own",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html",
      rationale="A replication group has a reader endpoint only with replicas and without cluster mode; a serverless "
                "cache's is not offered as a record.")
def reader_record(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.dns is None or d.dns.reader_name is None:
        return
    if not d.reader_endpoint:
        yield Finding(("dns", "reader_name"), "the group has no reader endpoint for the record to point at",
                      expected="replicas without cluster mode (a reader endpoint), or no reader_name")
    elif d.dns.reader_name == d.dns.name:
        yield Finding(("dns", "reader_name"), "the reader record has the endpoint record's name",
                      expected="a name of its own")
