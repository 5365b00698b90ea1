"""镇安县人民政府 (Zhen'an County, Shangluo, Shaanxi), on no known platform: crawled generically.

Source: ../shared/portals/county_portals.csv, rows for 镇安县 (611025), taken from
anyi-econ/china-public-debt@9b01b30ad483 (news-probe-results.json: 镇安要闻, validated;
platform_guess `other`). Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.generic import GenericSpider


class SnZhenanSpider(GenericSpider):
    name = "sn_zhenan"
    chinese_name = "镇安县人民政府"
    region = Region("611025", "陕西省", "商洛市", "镇安县")
    allowed_domains = ["www.zazf.gov.cn"]
    channels = {
        "镇安要闻": "https://www.zazf.gov.cn/zwdt/zayw.htm",
    }
