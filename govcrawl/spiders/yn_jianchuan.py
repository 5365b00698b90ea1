"""剑川县人民政府 (Jianchuan County, Dali, Yunnan).

Source: ../shared/portals/county_portals.csv, the 剑川要闻 row of 剑川县 (532931),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class YnJianchuanSpider(YnPcSpider):
    name = "yn_jianchuan"
    chinese_name = "剑川县人民政府"
    region = Region("532931", "云南省", "大理白族自治州", "剑川县")
    allowed_domains = ["www.jianchuan.gov.cn"]
    channels = {
        "剑川要闻": "http://www.jianchuan.gov.cn/jcxrmzf/c102087/pc/list.html",
    }
