"""连平县人民政府门户网站, 政府信息公开目录 (Lianping County, Heyuan, Guangdong), on gkmlpt.

Source: ../shared/portals/county_portals.csv, row for 连平县 (441623), taken from
anyi-econ/china-public-debt@9b01b30ad483 (data/website-policy.ts: 规范性文件
`/gkmlpt/policy#1076`, policy column, score 80). Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gkmlpt import GkmlptSpider


class GdLianpingSpider(GkmlptSpider):
    name = "gd_lianping"
    chinese_name = "连平县人民政府门户网站"
    region = Region("441623", "广东省", "河源市", "连平县")
    allowed_domains = ["www.lianping.gov.cn"]
    channels = {
        "规范性文件": "http://www.lianping.gov.cn/gkmlpt/policy#1076",
    }
