"""What may leave the kiosk of an utterance it could not place (issue 14, learning loop, kiosk side only):
the words of the need, with digits and anything that looks like a name taken out.

Removed: digits (phone, room and card numbers) written as figures, or as Chinese numerals in runs of two or
more (一三九一…, 四零二; a lone 一 as in 一下 stays: it is grammar, not a number); names after 我叫/我是/我姓/名字叫; a surname (and up to two more characters) before a title (王大爷 → 某大爷, 王建国书记 → 某书记); 老王 / 小李
as a way of naming someone. What a cadre needs to label the phrase (燃气卡没钱了, 楼道灯不亮) stays. It errs
toward privacy: a surname character up to two characters before a title goes even when it was not a name.

Not done here (crosses the outbox, protocol and server owned elsewhere): sending scrubbed phrases as their own
outbox kind, off unless the post turns it on; the workbench's 没听懂的话 list and labelling; catalog additions
sent back to kiosks on sync.
"""

from __future__ import annotations

import re

# The commonest Chinese surnames (together about 85 % of the population); enough to catch names said at a kiosk
# without treating every character as a possible name.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
TITLES = ("大爷", "大妈", "大娘", "奶奶", "爷爷", "阿姨", "叔叔", "叔", "姨", "哥", "姐", "老师", "师傅", "书记", "主任",
          "大夫", "医生", "老汉", "老太太", "同志", "先生", "女士", "婆婆")
MARK = "某"

_DIGITS = re.compile(r"[0-9０-９]+|[零〇一二三四五六七八九十百千万幺两]{2,}")
_SAID_NAME = re.compile(rf"(我叫|我是|我姓|名字叫|名字是|他叫|她叫)[{SURNAMES}][\u4e00-\u9fff]{{0,2}}?(?=[，。,. ]|$|的|在|住|家)")
_TITLED = re.compile(rf"[{SURNAMES}][\u4e00-\u9fff]{{0,2}}?(?={'|'.join(TITLES)})")
_NICKNAME = re.compile(rf"[老小][{SURNAMES}](?=[，。,. ]|$|让|说|叫|他|她|家|来|去|的)")


def scrub(text: str) -> str:
    """`text` without digits and name-like words; the rest (the words of the need) kept as it was."""
    text = _DIGITS.sub("", text)
    text = _SAID_NAME.sub(lambda m: m.group(1) + MARK, text)
    text = _NICKNAME.sub(MARK, text)
    text = _TITLED.sub(MARK, text)
    return re.sub(r"\s{2,}", " ", text).strip()
