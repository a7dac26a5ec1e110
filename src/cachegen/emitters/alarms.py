"""Monitoring: out/<env>/alarms/{alarms.json, alarms.md, dashboard.json}.

alarms.json holds one CloudWatch PutMetricAlarm input per alarm (for
`aws cloudwatch put-metric-alarm --cli-input-json`); the same inputs feed the stack's
AWS::CloudWatch::Alarm resources and create.sh. The SNS topic's ARN needs the account
id, unknown at build time: alarms.json writes ACCOUNT_ID in its place.
"""

from __future__ import annotations

import json
from typing import Any

from .. import catalog, templates
from ..model import Alarm, Deployment

ACCOUNT_PLACEHOLDER = "ACCOUNT_ID"
# The dashboard's widgets: (title, metrics); one row of these per member node.
DASHBOARD_WIDGETS = [
    ("CPU", ["CPUUtilization", "EngineCPUUtilization"]),
    ("Memory", ["DatabaseMemoryUsagePercentage"]),
    ("Network", ["NetworkBytesIn", "NetworkBytesOut"]),
    ("Commands", ["GetTypeCmds", "SetTypeCmds"]),
    ("Connections", ["CurrConnections"]),
    ("Evictions", ["Evictions"]),
]
REPLICA_WIDGETS = [("Replication lag", ["ReplicationLag"])]


def emit(d: Deployment) -> dict[str, str]:
    if not d.alarms:
        return {"alarms.md": templates.render("alarms/alarms.md.j2", d=d, rows=[])}
    topic = topic_arn_template(d)
    inputs = [put_metric_alarm_input(d, alarm, [topic] if topic else []) for alarm in d.alarms]
    return {
        "alarms.json": json.dumps(inputs, indent=2) + "\n",
        "alarms.md": templates.render("alarms/alarms.md.j2", d=d, rows=d.alarms, topic=topic),
        "dashboard.json": json.dumps(dashboard(d), indent=2) + "\n",
    }


def topic_arn_template(d: Deployment) -> str | None:
    if not d.topic_name:
        return None
    return f"arn:aws:sns:{d.spec.region}:{ACCOUNT_PLACEHOLDER}:{d.topic_name}"


def put_metric_alarm_input(d: Deployment, alarm: Alarm, actions: list[Any]) -> dict[str, Any]:
    """PutMetricAlarm's input, in the API's own shape and names."""
    request: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": f"{alarm.reason} Threshold: {alarm.threshold_reason}. Runbook: {alarm.runbook}"[:1024],
        "ActionsEnabled": bool(actions),
    }
    if actions:
        request["OKActions"] = actions
        request["AlarmActions"] = actions
    request.update({
        "MetricName": alarm.metric,
        "Namespace": catalog.alarm_namespace(),
        "Statistic": alarm.statistic,
        "Dimensions": [{"Name": "CacheClusterId", "Value": alarm.member}, {"Name": "CacheNodeId", "Value": "0001"}],
        "Period": alarm.period,
        "Unit": alarm.unit,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ComparisonOperator": alarm.comparison,
        "TreatMissingData": alarm.treat_missing_data,
        "Tags": [{"Key": key, "Value": value} for key, value in d.tags],
    })
    return request


def dashboard(d: Deployment) -> dict[str, Any]:
    namespace = catalog.alarm_namespace()
    widgets: list[dict[str, Any]] = []
    y = 0
    for member in d.members:
        rows = DASHBOARD_WIDGETS + (REPLICA_WIDGETS if member.initial_role == "replica" else [])
        width = 24 // len(rows)
        for x, (title, metrics) in enumerate(rows):
            widgets.append({
                "type": "metric",
                "x": x * width, "y": y, "width": width, "height": 6,
                "properties": {
                    "title": f"{member.cluster_id}: {title}",
                    "region": d.spec.region,
                    "view": "timeSeries",
                    "stat": "Sum" if metrics[0] in {"Evictions", "GetTypeCmds", "SetTypeCmds"} else "Average",
                    "period": 300,
                    "metrics": [[namespace, metric, "CacheClusterId", member.cluster_id, "CacheNodeId", "0001"]
                                for metric in metrics],
                },
            })
        y += 6
    return {"widgets": widgets}
