"""Province and city names, with JD's real ids where ``vop.md`` knows them.

Shape: ``(id, name, children)``; ``children`` of ``None`` means "generate deterministically",
an empty tuple means "this area has no lower level" (``getTown`` then answers 3405).
"""

from __future__ import annotations

Town = tuple[int | None, str, None]
County = tuple[int | None, str, tuple[Town, ...] | None]
City = tuple[int | None, str, tuple[County, ...] | None]
Province = tuple[int, str, tuple[City, ...]]

_NO_TOWNS: tuple[Town, ...] = ()


def _cities(*names: str) -> tuple[City, ...]:
    return tuple((None, name, None) for name in names)


PROVINCES: tuple[Province, ...] = (
    (
        1,
        "北京",
        (
            (
                72,
                "朝阳区",
                (
                    (2799, "三环以内", _NO_TOWNS),
                    (2819, "三环到四环之间", _NO_TOWNS),
                    (2839, "四环到五环之间", _NO_TOWNS),
                    (2840, "五环到六环之间", _NO_TOWNS),
                    (4137, "管庄", _NO_TOWNS),
                ),
            ),
            (2800, "海淀区", ((2848, "三环以内", _NO_TOWNS), (None, "四环到五环之间", _NO_TOWNS))),
            (2801, "西城区", None),
            (2802, "东城区", None),
            (2805, "丰台区", None),
            (2809, "通州区", None),
        ),
    ),
    (2, "上海", _cities("浦东新区", "徐汇区", "静安区", "闵行区")),
    (3, "天津", _cities("和平区", "南开区", "河西区", "滨海新区")),
    (4, "重庆", _cities("渝中区", "江北区", "沙坪坝区", "九龙坡区")),
    (5, "河北", _cities("石家庄市", "唐山市", "保定市", "邯郸市")),
    (6, "山西", _cities("太原市", "大同市", "长治市")),
    (7, "河南", _cities("郑州市", "洛阳市", "开封市", "南阳市")),
    (8, "辽宁", _cities("沈阳市", "大连市", "鞍山市")),
    (9, "吉林", _cities("长春市", "吉林市", "延边州")),
    (10, "黑龙江", _cities("哈尔滨市", "齐齐哈尔市", "大庆市")),
    (11, "内蒙古", _cities("呼和浩特市", "包头市", "鄂尔多斯市")),
    (12, "江苏", _cities("南京市", "苏州市", "无锡市", "常州市")),
    (
        13,
        "山东",
        (
            (
                1112,
                "泰安市",
                (
                    (
                        3535,
                        "宁阳县",
                        ((46682, "乡饮乡", None), (None, "宁阳镇", None), (None, "东庄镇", None)),
                    ),
                    (None, "泰山区", None),
                    (None, "肥城市", None),
                ),
            ),
            (None, "济南市", None),
            (None, "青岛市", None),
            (None, "烟台市", None),
        ),
    ),
    (14, "安徽", _cities("合肥市", "芜湖市", "蚌埠市")),
    (15, "浙江", _cities("杭州市", "宁波市", "温州市", "绍兴市")),
    (16, "福建", _cities("福州市", "厦门市", "泉州市")),
    (17, "湖北", _cities("武汉市", "宜昌市", "襄阳市")),
    (18, "湖南", _cities("长沙市", "株洲市", "湘潭市")),
    (
        19,
        "广东",
        (
            (
                1607,
                "深圳市",
                ((3638, "罗湖区", None), (3639, "福田区", None), (3155, "南山区", None)),
            ),
            (None, "广州市", None),
            (None, "东莞市", None),
            (None, "佛山市", None),
        ),
    ),
    (20, "广西", _cities("南宁市", "柳州市", "桂林市")),
    (21, "江西", _cities("南昌市", "赣州市", "九江市")),
    (22, "四川", _cities("成都市", "绵阳市", "宜宾市")),
    (23, "海南", _cities("海口市", "三亚市")),
    (24, "贵州", _cities("贵阳市", "遵义市")),
    (25, "云南", _cities("昆明市", "大理州", "丽江市")),
    (26, "西藏", _cities("拉萨市", "日喀则市")),
    (27, "陕西", _cities("西安市", "宝鸡市", "咸阳市")),
    (28, "甘肃", _cities("兰州市", "天水市")),
    (29, "青海", _cities("西宁市", "海东市")),
    (30, "宁夏", _cities("银川市", "石嘴山市")),
    (31, "新疆", _cities("乌鲁木齐市", "克拉玛依市", "喀什地区")),
    (32, "台湾", _cities("台北市", "高雄市")),
    (84, "钓鱼岛", ((None, "钓鱼岛", ()),)),
    (52993, "港澳", ((52994, "香港", None), (52995, "澳门", None))),
)

# Stems for generated counties and towns (combined deterministically, never random).
COUNTY_STEMS: tuple[str, ...] = (
    "城关",
    "新华",
    "长安",
    "和平",
    "建设",
    "开发",
    "高新",
    "经济技术开发",
    "东城",
    "西城",
    "南湖",
    "北湖",
    "临江",
    "清河",
    "永安",
    "平山",
    "丰乐",
    "兴隆",
    "安宁",
    "太平",
)
COUNTY_SUFFIXES: tuple[str, ...] = ("区", "区", "县", "市")
TOWN_STEMS: tuple[str, ...] = (
    "东关",
    "西关",
    "南关",
    "北关",
    "新城",
    "老城",
    "河口",
    "马庄",
    "李家",
    "王店",
    "张集",
    "柳林",
    "桥头",
    "石桥",
    "大营",
    "小河",
    "白沙",
    "青山",
    "龙泉",
    "双庙",
)
TOWN_SUFFIXES: tuple[str, ...] = ("镇", "乡", "街道")

# Provinces where freight carries a remote-region surcharge.
REMOTE_PROVINCES: frozenset[int] = frozenset({26, 29, 31})
# Provinces where nothing can be delivered.
CLOSED_PROVINCES: frozenset[int] = frozenset({32, 84})
