"""CloudWatch alarms: what PutMetricAlarm accepts for the alarms the spec overrides."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
DAY, WEEK, HOUR = 86_400, 604_800, 3_600


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
    for alarm in _per_alarm_id(ctx):
        limit = DAY if alarm.period < HOUR else WEEK
        if alarm.period * alarm.evaluation_periods > limit:
            yield Finding(_blame(ctx, alarm.alarm_id, "evaluation_periods"),
                          f"alarm {alarm.alarm_id}: {alarm.evaluation_periods} periods of {alarm.period} s cover "
                          f"{alarm.period * alarm.evaluation_periods} s",
                          expected=f"period_seconds x evaluation_periods <= {limit} "
                                   f"({'one day' if limit == DAY else 'seven days'} for this period)")
