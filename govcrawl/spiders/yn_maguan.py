"""马关县人民政府 (Maguan County, Wenshan, Yunnan).

Source: ../shared/portals/county_portals.csv, the 政务要闻 row of 马关县 (532625),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=100; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class YnMaguanSpider(YnPcSpider):
    name = "yn_maguan"
    chinese_name = "马关县人民政府"
    region = Region("532625", "云南省", "文山壮族苗族自治州", "马关县")
    allowed_domains = ["www.ynmg.gov.cn"]
    channels = {
        "政务要闻": "http://www.ynmg.gov.cn/mgxrmzfw/zwyw/pc/list.html",
    }
