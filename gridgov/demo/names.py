"""Small word lists for demo people: surnames by frequency, given names by sex and generation.

Written for this project (Faker's zh_CN data is not used): surnames weighted towards those
common in 习水 and northern Guizhou (王 陈 李 张 袁 罗 母 穆 令狐 敖 ...), given names in the
styles of the decades people were born in, so grandparents are 秀英 and 建国 and
grandchildren 梓涵 and 浩宇.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

# (surname, relative weight)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.0), ("陈", 6.0), ("李", 6.0), ("张", 5.0), ("袁", 4.0), ("罗", 4.0), ("母", 3.0), ("赵", 3.0),
    ("刘", 3.0), ("杨", 3.0), ("周", 3.0), ("吴", 3.0), ("何", 2.5), ("黄", 2.5), ("胡", 2.0), ("穆", 2.0),
    ("曾", 2.0), ("蔡", 2.0), ("谢", 2.0), ("龙", 1.5), ("徐", 1.5), ("邓", 1.5), ("宋", 1.5), ("钟", 1.2),
    ("冯", 1.2), ("唐", 1.2), ("韩", 1.0), ("梁", 1.0), ("汪", 1.0), ("雷", 1.0), ("田", 1.0), ("任", 1.0),
    ("孙", 1.0), ("朱", 1.0), ("郑", 1.0), ("马", 1.0), ("高", 1.0), ("林", 1.0), ("蒋", 1.0), ("余", 1.0),
    ("许", 1.0), ("彭", 1.0), ("肖", 1.0), ("潘", 1.0), ("江", 1.0), ("付", 0.8), ("陆", 0.8), ("石", 0.8),
    ("敖", 0.8), ("令狐", 0.5), ("犹", 0.5), ("骆", 0.5), ("颜", 0.5), ("韦", 0.5), ("申", 0.5), ("先", 0.4),
    ("程", 0.6), ("秦", 0.6), ("熊", 0.6), ("向", 0.5), ("聂", 0.4), ("游", 0.4), ("夏", 0.5), ("苟", 0.4),
)  # fmt: skip

# Given-name characters: (first characters, second characters, single-character names, share of single names)
_GIVEN = {
    ("M", "old"): (
        "建国德志光永朝正明树福长文学开应世绍维兴顺泽宗仕发",
        "国华明平林福贵富荣生安成全才山清忠军强勇祥昌友云",
        "福贵强勇明华军林山荣",
        0.15,
    ),
    ("F", "old"): (
        "秀桂玉凤翠素淑兰春冬菊金银月美碧友德",
        "英兰芳珍华芬梅花莲香娥琼仙凤群秀先珍",
        "英兰芳珍梅琼香",
        0.12,
    ),
    ("M", "mid"): (
        "小志建俊文明晓永东红家正海成世德光应",
        "波伟军平林东华明强勇龙刚兵涛峰江洪松",
        "海伟勇军涛斌强磊波林鹏刚杰峰辉",
        0.25,
    ),
    ("F", "mid"): (
        "小晓春海丽红玉雪秋美艳静明桂",
        "燕丽琴红梅芳霞英娟玲莉敏群娥",
        "丽娟敏静燕艳霞芳红琴梅玲萍英",
        0.25,
    ),
    ("M", "young"): (
        "子浩宇俊文思天家志明嘉佳梓博鹏宏",
        "轩豪杰宇航涛鑫洋文凯睿博然阳峰林",
        "浩宇俊杰鑫磊涛鹏博轩凯",
        0.10,
    ),
    ("F", "young"): (
        "欣佳雨思梦诗婷雪晓紫可嘉心艺静",
        "怡琪涵雨欣婷悦琳瑶萱妍洁雯颖倩",
        "婷欣悦琳瑶雯颖倩",
        0.08,
    ),
    ("M", "child"): (
        "梓子宇浩俊一沐宸奕锦皓思嘉煜",
        "轩睿宸涵泽航阳辰铭熙杰昊然诚",
        "睿宸泽航",
        0.03,
    ),
    ("F", "child"): (
        "梓子欣雨一若诗思语佳可紫芷安",
        "涵萱彤琪怡妍汐桐诺菲玥瑶曦然",
        "萱彤琪妍",
        0.03,
    ),
}

# 习水 is mostly Han, with 仡佬族 and 苗族 communities and a few 土家族 and 布依族 families.
ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 0.91), ("仡佬族", 0.05), ("苗族", 0.025), ("土家族", 0.01), ("布依族", 0.005),
)  # fmt: skip

# Where people from 习水 go to work (外出务工地).
WORK_AWAY_PLACES: tuple[tuple[str, float], ...] = (
    ("浙江宁波", 4.0), ("广东东莞", 4.0), ("浙江温州", 3.0), ("广东深圳", 3.0), ("福建晋江", 2.0),
    ("浙江义乌", 2.0), ("江苏苏州", 2.0), ("广东佛山", 2.0), ("浙江杭州", 1.5), ("广东广州", 1.5),
    ("重庆", 2.0), ("贵州贵阳", 2.0), ("贵州遵义", 1.5), ("上海", 1.0), ("四川成都", 1.0), ("福建厦门", 1.0),
)  # fmt: skip

# Where floating residents come from: neighbouring counties (region codes of their ID numbers).
FLOATING_REGIONS: tuple[str, ...] = (
    "520381", "520382", "520302", "520303", "520304", "520322",
    "500110", "500112", "510502", "510521", "510524", "510525",
)  # fmt: skip

# Mobile prefixes of the three carriers (all match ^1[3-9]\d{9}$).
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
    "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (1..99)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


class WeightedChoice:
    """Fast repeated weighted choice from a fixed table."""

    def __init__(self, items: tuple[tuple[str, float], ...] | list[tuple[str, float]]):
        self.values = [v for v, _ in items]
        self.cumulative = list(accumulate(w for _, w in items))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> str:
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


def era_of(birth_year: int) -> str:
    if birth_year < 1966:
        return "old"
    if birth_year < 1991:
        return "mid"
    if birth_year < 2009:
        return "young"
    return "child"


class NameMaker:
    """Surnames with a village's own dominant clans, given names by sex and birth year."""

    def __init__(self, rng: random.Random, clan_boost: float = 6.0):
        weights = dict(SURNAMES)
        for clan in rng.sample([s for s, _ in SURNAMES[:30]], 3):
            weights[clan] *= clan_boost
        self.surname = WeightedChoice(list(weights.items()))
        self.ethnicity = WeightedChoice(ETHNICITIES)
        self.work_away_place = WeightedChoice(WORK_AWAY_PLACES)

    @staticmethod
    def given(rng: random.Random, sex: str, birth_year: int) -> str:
        firsts, seconds, singles, single_share = _GIVEN[(sex, era_of(birth_year))]
        if rng.random() < single_share:
            return rng.choice(singles)
        first = rng.choice(firsts)
        second = rng.choice(seconds)
        while second == first:
            second = rng.choice(seconds)
        return first + second
