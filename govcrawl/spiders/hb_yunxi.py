"""郧西县人民政府 (Yunxi County, Shiyan, Hubei), on TRS WCM.

Source: ../shared/portals/county_portals.csv, rows for 郧西县 (420322), taken from
anyi-econ/china-public-debt@9b01b30ad483 (news-probe-results.json: 郧西要闻, validated;
county_domains.csv shows TRS article URLs `…/202511/t20251107_4851489.shtml` on this host).
Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.trs import TrsSpider


class HbYunxiSpider(TrsSpider):
    name = "hb_yunxi"
    chinese_name = "郧西县人民政府"
    region = Region("420322", "湖北省", "十堰市", "郧西县")
    allowed_domains = ["www.yunxi.gov.cn"]
    channels = {
        "郧西要闻": "http://www.yunxi.gov.cn/xwzx/yxyw/",
    }
