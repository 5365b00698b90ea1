"""南涧彝族自治县人民政府 (Nanjian Yi Autonomous County, Dali, Yunnan).

Source: ../shared/portals/county_portals.csv, the 南涧要闻 row of 南涧彝族自治县 (532926),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class YnNanjianSpider(YnPcSpider):
    name = "yn_nanjian"
    chinese_name = "南涧彝族自治县人民政府"
    region = Region("532926", "云南省", "大理白族自治州", "南涧彝族自治县")
    allowed_domains = ["www.zgnj.gov.cn"]
    channels = {
        "南涧要闻": "http://www.zgnj.gov.cn/njxrmzf/c102086/pc/list.html",
    }
