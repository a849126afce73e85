"""A request and a reply that the offline reply audit passes, for workflow tests."""

REQUEST = "楼下烧烤店油烟太大，每天开到凌晨2点"
GOOD_REPLY = (
    "您好，感谢您的来信。经我局执法人员现场核查，该烧烤店油烟排放超标，依据《中华人民共和国"
    "大气污染防治法》已责令其安装油烟净化设施并限期整改，目前已整改完毕。如有疑问请致电"
    "0755-26000000。"
)
