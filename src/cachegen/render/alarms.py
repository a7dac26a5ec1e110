"""Monitoring: out/<env>/alarms/{alarms.json, alarms.md, dashboard.json}, from the plan.

alarms.json holds the plan's PutMetricAlarm inputs (for `aws cloudwatch put-metric-alarm
--cli-input-json`), the very inputs the stack's AWS::CloudWatch::Alarm resources and
create.sh carry. The SNS topic's ARN needs the account id, unknown at build time:
alarms.json writes ACCOUNT_ID in its place.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .. import catalog, templates
from ..model import Deployment
from ..plan import Plan, Ref, sns_topic_arn
from . import json_text
from .escape import Markdown, markdown, markdown_code

ACCOUNT_PLACEHOLDER = "ACCOUNT_ID"
COMPARISONS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
               "LessThanOrEqualToThreshold": "<="}


def quantity(value: float, unit: str) -> str:
    """A threshold as a person reads it: 50 MiB (52,428,800 bytes), 3.84 GB, 90%, 1,000 connections."""
    if unit == "Bytes":
        exact = f"{value:,.0f} bytes"
        if value >= 1024 ** 2 and value % 1024 ** 2 == 0:
            return f"{value / 1024 ** 2:g} MiB ({exact})"
        if value >= 1e9:
            return f"{value / 1e9:g} GB ({exact})"
        return exact
    if unit == "Percent":
        return f"{value:g}%"
    if unit == "Count":
        return f"{value:,.0f}"
    return f"{value:g} {unit}"


def topic_arn_template(d: Deployment) -> str | None:
    if not d.topic_name:
        return None
    return sns_topic_arn(d.partition, d.region, ACCOUNT_PLACEHOLDER, d.topic_name)


def _with_topic(d: Deployment, call: dict[str, Any]) -> dict[str, Any]:
    """The input with its actions' topic (the only reference an alarm holds) as an ARN."""
    out = dict(call)
    for key in ("OKActions", "AlarmActions"):
        if key in out:
            out[key] = [topic_arn_template(d) if isinstance(action, Ref) else action for action in out[key]]
    return out


def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    header = {"title": markdown(f"Alarms of {d.replication_group_id} ({d.environment})"),
              "spec_file": markdown_code(d.spec_file), "node": markdown(d.node.name), "vcpu": d.node.vcpu,
              "max_clients": d.max_clients}
    if not d.alarms:
        return {"alarms.md": templates.render("alarms/alarms.md.j2", rows=[], topic=None, **header)}
    inputs = [_with_topic(d, r.calls["PutMetricAlarm"]) for r in plan.of_type("AWS::CloudWatch::Alarm")]
    dashboards = plan.of_type("AWS::CloudWatch::Dashboard")
    bodies = [json.loads(r.calls["PutDashboard"]["DashboardBody"]) for r in dashboards]
    groups: dict[Any, list[Any]] = {}  # one row per alarm: the same alarm on each node differs only by name
    for a in d.alarms:
        groups.setdefault(dataclasses.replace(a, name="", member=""), []).append(a)
    rows = [{
        "name": Markdown(("" if len(alarms) == 1 else markdown(f"{a.alarm_id} on {len(alarms)} nodes: "))
                         + ", ".join(markdown_code(one.name) for one in alarms)),
        "metric": markdown(f"{a.metric} ({a.statistic})"),
        "condition": markdown(f"{COMPARISONS.get(a.comparison, a.comparison)} {quantity(a.threshold, a.unit)} in "
                              f"{a.datapoints_to_alarm} of {a.evaluation_periods} x {a.period} s"),
        "threshold_reason": markdown(a.threshold_reason), "reason": markdown(a.reason),
        "runbook": markdown(a.runbook), "source": markdown(a.source),
    } for alarms in groups.values() for a in alarms[:1]]
    topic = topic_arn_template(d)
    legend = [(markdown(f"[{tag}]"), markdown(url)) for tag, url in sorted(catalog.alarm_references().items())]
    return {
        "alarms.json": json_text.dumps(inputs) + "\n",
        "alarms.md": templates.render("alarms/alarms.md.j2", rows=rows, topic=markdown_code(topic) if topic else None,
                                      legend=legend, **header),
        # one dashboard, or several when one would exceed CloudWatch's widget or metric quota or alarms.stack
        # is separate and the alarms need more than one stack
        "dashboard.json": json_text.dumps(bodies[0] if len(bodies) == 1 else
                                          {r.name: body for r, body in zip(dashboards, bodies)}) + "\n",
    }
