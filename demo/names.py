"""Chinese names for people, places and villages, drawn like the real ones: common
surnames far more often than rare ones, one- or two-character given names."""

import itertools
import random


def words(text: str) -> tuple[str, ...]:
    """A tuple from a space-separated string: long word lists stay compact."""
    return tuple(text.split())


# Surname frequencies (per mille, rounded) after the national surname statistics.
_SURNAME_TABLE = (
    "王71 李70 张67 刘54 陈45 杨31 赵23 黄22 周17 吴16 孙15 徐13 胡13 朱12 高12 "
    "马11 郭11 林11 何10 于9 宋8 郑7 梁7 韩7 谢6 唐5 冯5 董5 程5 曹5 袁5 许5 "
    "邓4 傅4 曾4 彭4 吕4 苏4 卢4 蒋4 蔡4 贾4 丁4 魏4 薛3 叶3 阎3 潘3 杜3 戴3 "
    "夏3 田3 任3 姜3 范3 方3 石3 姚3 崔3 孟3 侯2 邵2 秦2 史2 毛2 邱2 常2 武2 "
    "乔2 贺2 尹2 牛2 孔2 颜1 鞠1 亓1 逄1 展1 臧1 隋1 宫1 房1 刁1 仇1 单1 慕1"
)
SURNAMES = {item[0]: int(item[1:]) for item in _SURNAME_TABLE.split()}
_SURNAME_LIST = list(SURNAMES)
_SURNAME_WEIGHTS = list(itertools.accumulate(SURNAMES.values()))

GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林建国志文海东峰亮成"
    "春晓振兴庆永德金新立正光荣松岩毅博哲睿"
)
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳洁倩萍红梅莉蕾薇佳欣悦晶璐瑶琪月雯岚晨秀英"
    "兰凤玉娇蓉琴丹宁娅露"
)
GIVEN_FIRST = "晓春海建立志玉金德永亚思子雨文新明秀美红国庆学宏嘉欣佳紫梓"
CHILD_SECOND = "涵轩萱泽睿琪彤妍宇浩然航铭茜"


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    if rng.random() < 0.3:
        return rng.choice(pool)
    return rng.choice(GIVEN_FIRST) + rng.choice(pool)


def person_name(rng: random.Random, gender: str) -> str:
    return surname(rng) + given_name(rng, gender)


def child_name(rng: random.Random) -> str:
    return surname(rng) + rng.choice(GIVEN_FIRST) + rng.choice(CHILD_SECOND)


# Place-name parts as they recur in Shandong townships and villages.
PLACE_FIRST = (
    "东西南北大小新柳桃杏龙凤安平太和仁义兴隆丰福富永长双石白黄青清王李张刘马杨孙"
    "高唐郭韩孟田宋崔辛卞侯孔仲蒲汶泗沂"
)
PLACE_SECOND = "庄集店桥台营屯寨楼坡埠堡泉河山岭峪沟湖洼口阳城园里官"
VILLAGE_PREFIX = "前后东西南北大小上下"
VILLAGE_SUFFIX = "庄洼屯营楼店集寨沟岭峪河湾坡村"


def place_stem(rng: random.Random) -> str:
    return rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)


def township_name(rng: random.Random, kind: str) -> str:
    """A township name ending 镇, 乡 or 街道."""
    suffix = {"street": "街道", "town": "镇", "village": "乡"}[kind]
    return place_stem(rng) + suffix


def village_name(rng: random.Random) -> str:
    """A village name: 王家庄, 后李村, 柳泉屯…"""
    roll = rng.random()
    if roll < 0.45:
        return surname(rng) + "家" + rng.choice(VILLAGE_SUFFIX)
    if roll < 0.75:
        return rng.choice(VILLAGE_PREFIX) + surname(rng) + rng.choice("村庄屯营楼")
    return place_stem(rng) + "村"


def county_name(rng: random.Random, district: bool) -> str:
    """A synthesized county or district name, for more counties than real ones."""
    return place_stem(rng) + ("区" if district else "县")


COMPANY_WORDS = "鲁信华泰恒通宏达金桥海润瑞丰鸿远齐鲁泰山黄河明德同创中科"
COMPANY_TRADES = words("科技 建设 实业 电子 食品 化工 物流 教育科技 农业发展")


def company_name(rng: random.Random, city: str) -> str:
    word = rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_WORDS)
    return f"{city}{word}{rng.choice(COMPANY_TRADES)}有限公司"


CHINESE_NUMERALS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    """第一 … 第二十 in Chinese numerals."""
    if n <= 10:
        return "第" + CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "第十" + CHINESE_NUMERALS[n - 11]
    tens, units = divmod(n, 10)
    tail = CHINESE_NUMERALS[units - 1] if units else ""
    return "第" + CHINESE_NUMERALS[tens - 1] + "十" + tail
