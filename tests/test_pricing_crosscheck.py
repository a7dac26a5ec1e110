"""The price catalogue checked against a second public source it is not made from.

The catalogue's node prices come from AWS's price maps ([MAP-OD], [MAP-RI] in pricing.yaml).
The figures below were scraped independently from the AWS Price List by
vantage-sh/ec2instances.info, www/cache/instances.json at commit
3e75a5dddbf4674d74ebeb06f46e4543c3a08b92 (2022-02-13), Redis OSS: the on-demand hourly price,
the 1-year no-upfront hourly rate, and the 3-year partial-upfront rate as that file gives
reservations (hourly rate plus the upfront fee spread over the term's hours). 69 figures in
5 regions, 5 families; a difference fails the test (a price AWS changed since then would too:
the catalogue's figure must then be checked, not this table edited to match). Where that file's
on-demand price is below its own 1-year reservation rate (r5.large everywhere, m5.large in
Tokyo: a scraping error, since a reservation never costs more than on demand), only the
reservations are compared.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cachegen import cost

# region, node type, on demand, 1yr no upfront, 3yr partial upfront (effective hourly)
VANTAGE_2022 = [
    ("us-east-1", "cache.t4g.small", "0.032", "0.022", "0.015686453576864535"),
    ("us-east-1", "cache.m6g.large", "0.149", "0.102", "0.07157838660578386"),
    ("us-east-1", "cache.r6g.large", "0.206", "0.141", "0.09927701674277017"),
    ("eu-west-1", "cache.t4g.small", "0.034", "0.023", "0.016143074581430744"),
    ("eu-west-1", "cache.m6g.large", "0.164", "0.112", "0.07923135464231354"),
    ("eu-west-1", "cache.r6g.large", "0.229", "0.157", "0.10998477929984779"),
    ("ap-northeast-1", "cache.t4g.small", "0.049", "0.033", "0.02375799086757991"),
    ("ap-northeast-1", "cache.m6g.large", "0.191", "0.131", "0.0918523592085236"),
    ("ap-northeast-1", "cache.r6g.large", "0.247", "0.168", "0.11905631659056318"),
    ("ap-southeast-1", "cache.t4g.small", "0.048", "0.033", "0.023529680365296804"),
    ("ap-southeast-1", "cache.m6g.large", "0.185", "0.126", "0.08925418569254186"),
    ("ap-southeast-1", "cache.r6g.large", "0.247", "0.168", "0.11905631659056318"),
    ("sa-east-1", "cache.t4g.small", "0.061", "0.042", "0.029649923896499238"),
    ("sa-east-1", "cache.m6g.large", "0.212", "0.144", "0.10183713850837138"),
    ("sa-east-1", "cache.r6g.large", "0.41", "0.279", "0.19751598173515983"),
    ("us-east-1", "cache.m5.large", "0.156", "0.106", "0.07444292237442922"),
    ("eu-west-1", "cache.m5.large", "0.172", "0.117", "0.08228614916286149"),
    ("ap-northeast-1", "cache.m5.large", None, "0.137", "0.09621156773211567"),  # its on demand 0.077 < its 1-year rate
    ("ap-southeast-1", "cache.m5.large", "0.194", "0.133", "0.09365144596651445"),
    ("sa-east-1", "cache.m5.large", "0.223", "0.152", "0.10753881278538813"),
    ("us-east-1", "cache.r5.large", None, "0.147", "0.10382648401826483"),  # its on demand 0.09 < its 1-year rate
    ("eu-west-1", "cache.r5.large", None, "0.164", "0.11576255707762557"),  # its on demand 0.1 < its 1-year rate
    ("ap-northeast-1", "cache.r5.large", None, "0.177", "0.12406240487062406"),  # its on demand 0.107 < its 1-year rate
    ("ap-southeast-1", "cache.r5.large", None, "0.177", "0.12406240487062406"),  # its on demand 0.107 < its 1-year rate
    ("sa-east-1", "cache.r5.large", None, "0.295", "0.20769101978691018"),  # its on demand 0.231 < its 1-year rate
]


@pytest.mark.parametrize(("region", "node", "on_demand", "one_year", "three_year"), VANTAGE_2022)
def test_catalogue_agrees_with_an_independent_source(region, node, on_demand, one_year, three_year):
    prices = cost.node_prices(region, "redis", node)
    if on_demand is not None:
        assert prices["on_demand"] == Decimal(on_demand)
    hourly, upfront = prices["reserved"][("1yr", "no_upfront")]
    assert upfront == 0 and hourly == Decimal(one_year)
    hourly, upfront = prices["reserved"][("3yr", "partial_upfront")]
    effective = hourly + upfront / (3 * 8760)
    assert abs(effective - Decimal(three_year)) < Decimal("0.000001"), (effective, three_year)


def test_the_sample_is_large_enough():
    figures = sum(3 if row[2] is not None else 2 for row in VANTAGE_2022)
    assert figures >= 69 and len({row[0] for row in VANTAGE_2022}) == 5
    assert len({row[1].split(".")[1] for row in VANTAGE_2022}) == 5
