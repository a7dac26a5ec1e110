"""CloudWatch alarms: what PutMetricAlarm accepts for the alarms the spec overrides."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"


def _blame(ctx: Context, alarm_id: str, field: str) -> tuple:
    """The override's key when the spec sets it, else the override itself."""
    override = ctx.spec.alarms.overrides.get(alarm_id)
    if override is not None and getattr(override, field) is not None:
        return ("alarms", "overrides", alarm_id, field)
    return ("alarms", "overrides", alarm_id)


def _per_alarm_id(ctx: Context):
    seen = set()
    for alarm in ctx.deployment.alarms:
        if alarm.alarm_id not in seen:
            seen.add(alarm.alarm_id)
            yield alarm


@rule(RULES, "V701", "An alarm's datapoints_to_alarm is at most its evaluation_periods", PUT_METRIC_ALARM)
def datapoints(ctx: Context) -> Iterator[Finding]:
    for alarm in _per_alarm_id(ctx):
        if alarm.datapoints_to_alarm > alarm.evaluation_periods:
            yield Finding(_blame(ctx, alarm.alarm_id, "datapoints_to_alarm"),
                          f"alarm {alarm.alarm_id}: {alarm.datapoints_to_alarm} datapoints to alarm out of "
                          f"{alarm.evaluation_periods} evaluation periods",
                          expected=f"datapoints_to_alarm <= evaluation_periods ({alarm.evaluation_periods})")


@rule(RULES, "V702", "An alarm evaluates at most one day of data (periods under an hour) or seven days",
      PUT_METRIC_ALARM)
def evaluation_range(ctx: Context) -> Iterator[Finding]:
    quotas = catalog.quotas("cloudwatch")
    for alarm in _per_alarm_id(ctx):
        short = alarm.period < quotas["alarm_short_period_below_seconds"]
        limit = quotas["alarm_evaluation_max_seconds_short_period" if short else "alarm_evaluation_max_seconds"]
        if alarm.period * alarm.evaluation_periods > limit:
            yield Finding(_blame(ctx, alarm.alarm_id, "evaluation_periods"),
                          f"alarm {alarm.alarm_id}: {alarm.evaluation_periods} periods of {alarm.period} s cover "
                          f"{alarm.period * alarm.evaluation_periods} s",
                          expected=f"period_seconds x evaluation_periods <= {limit} s for "
                                   f"{'a period under' if short else 'a period of at least'} "
                                   f"{quotas['alarm_short_period_below_seconds']} s")
