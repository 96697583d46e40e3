"""Amounts as printed: in figures without the symbol, and in Chinese capital numerals
(大写金额) on receipts and statements.

Follows the rules for writing amounts on financial documents: 元 followed by 整 when
there are no jiao and fen; one 零 for a run of zeros inside the number, and before the
jiao when the yuan end in zero (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分).
"""

from charity.formatting import money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("仟", "佰", "拾", "")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """0 < value < 10000 in capitals, without leading zeros."""
    out, zero = [], False
    for position, unit in enumerate(SMALL_UNITS):
        digit = value // 10 ** (3 - position) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + unit)
    return "".join(out)


def capital_yuan(fen: int) -> str:
    """``1234567`` (fen) → ``壹万贰仟叁佰肆拾伍元陆角柒分``; negative amounts start with 负."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money is integer fen")
    if fen < 0:
        return "负" + capital_yuan(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, fen_digit = divmod(rest, 10)
    if yuan >= 10 ** 16:
        raise ValueError("amount too large")
    if fen == 0:
        return "零元整"
    out = []
    if yuan:
        groups = []
        n = yuan
        while n:
            n, g = divmod(n, 10000)
            groups.append(g)
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            g = groups[index]
            if g == 0:
                pending_zero = bool(out)
                continue
            if out and (pending_zero or g < 1000):
                out.append("零")
            out.append(_group(g) + GROUP_UNITS[index])
            pending_zero = False
        out.append("元")
    if jiao:
        if yuan and yuan % 10 == 0:
            out.append("零")
        out.append(DIGITS[jiao] + "角")
    if fen_digit:
        if yuan and not jiao:
            out.append("零")
        out.append(DIGITS[fen_digit] + "分")
    if not jiao and not fen_digit:
        out.append("整")
    return "".join(out)


def yuan(fen: int) -> str:
    """``128050`` (fen) → ``1,280.50``: an amount in a table column, without the ¥."""
    return money(fen, symbol="")
