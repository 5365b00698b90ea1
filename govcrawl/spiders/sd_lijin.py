"""利津县人民政府 (利津县, 东营市, 山东省).

Source: ../shared/portals/county_portals.csv, row for 利津县 (370522) 政务要闻, taken from
anyi-econ/china-public-debt@9b01b30ad483 (scripts/website_management/news-probe-results.json:
tier A, validated). Region code and names: NBS 统计用区划代码 (govcrawl/data/divisions.csv).
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.hanweb import HanwebSpider


class SdLijinSpider(HanwebSpider):
    name = "sd_lijin"
    chinese_name = "利津县人民政府"
    region = Region("370522", "山东省", "东营市", "利津县")
    allowed_domains = ["www.lijin.gov.cn"]
    channels = {
        "政务要闻": "http://www.lijin.gov.cn/col/col70786/index.html",
    }
