"""邻水县人民政府 (Linshui County, Guang'an, Sichuan).

Source: ../shared/portals/county_portals.csv, the 邻水要闻 row of 邻水县 (511623),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class ScLinshuiSpider(YnPcSpider):
    name = "sc_linshui"
    chinese_name = "邻水县人民政府"
    region = Region("511623", "四川省", "广安市", "邻水县")
    allowed_domains = ["www.scls.gov.cn"]
    channels = {
        "邻水要闻": "https://www.scls.gov.cn/lsxrmzf/lsyw/pc/list.html",
    }
