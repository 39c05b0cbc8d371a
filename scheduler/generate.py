"""Seeded generator of realistic weeks (for the benchmark and scale tests): leaders in protocol
order, rooms in several buildings, receptions, commitments (some leaders away), a no-meeting
day, fixed higher-level conferences, urgent requests and groups of related requests."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .config import Settings
from .domain import Commitment, Leader, MeetingRequest, Problem, Reception, Room
from .workcal import week_days

SIZES = {  # requests, leaders, rooms, receptions
    "S": (40, 12, 6, 5),
    "M": (150, 30, 12, 20),
    "L": (400, 60, 20, 40),
    "XL": (1000, 120, 40, 80),
}
THEMES = (
    ("安全生产", "冬季安全生产隐患排查整治"), ("重点项目", "重点项目建设进度和要素保障"), ("财政运行", "财政收支形势和预算执行"),
    ("稳增长", "工业经济运行和企业生产"), ("外贸", "外贸进出口和订单情况"), ("农田水利", "冬春农田水利和高标准农田建设"),
    ("疾病防控", "冬春季传染病防控"), ("节日市场", "节日市场保供稳价和安全检查"), ("城市更新", "老旧小区改造和城市更新片区"),
    ("营商环境", "营商环境评价问题整改"), ("乡村振兴", "乡村振兴重点任务推进"), ("平安建设", "矛盾纠纷化解和平安建设"),
    ("政务服务", "一网通办和热线工单办理"), ("生态环境", "大气污染防治和环保督察整改"), ("教育", "学校安全和教育资源布局"),
    ("交通", "中心城区交通拥堵治理和春运准备"), ("森林防火", "冬季森林防灭火"), ("数字经济", "数字经济核心产业培育"),
    ("文旅", "文旅市场推广和景区安全"), ("根治欠薪", "春节前根治欠薪专项行动"),
)
UNITS = (
    "市发展改革委", "市财政局", "市自然资源和规划局", "市住房城乡建设局", "市交通运输局", "市应急管理局", "市卫生健康委",
    "市教育局", "市工业和信息化局", "市商务局", "市水利局", "市农业农村局", "市文化广电旅游局", "市市场监管局",
    "市人力资源社会保障局", "市生态环境局", "市公安局", "市统计局", "市政务服务管理局", "市信访局", "市民政局", "市司法局",
)
KINDS = ("专题会", "调度会", "推进会", "协调会", "部署会", "座谈会", "汇报会")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国志刚海涛晓燕立新文斌永清国强卫东丽娟光辉志明红梅建华明辉德胜春生秀英桂兰"


def generate(size: str, seed: int = 0, *, week: date = date(2026, 12, 7), time_limit: float = 30.0) -> Problem:
    rng = random.Random(f"{size}-{seed}")
    n_requests, n_leaders, n_rooms, n_receptions = SIZES[size]
    tz = ZoneInfo("Asia/Shanghai")
    settings = Settings(week=week, no_meeting_days=(2,), time_limit_seconds=time_limit)
    days = week_days(settings, week)

    leaders = []
    for i in range(n_leaders):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(2 * i) % len(GIVEN)] + GIVEN[(2 * i + 1) % len(GIVEN)] + ("" if i < len(SURNAMES) else str(i))
        leaders.append(Leader(id=f"L{i + 1:03d}", name=name, title="市长" if i == 0 else "副市长", rank=i + 1, max_per_day=4 if i < 3 else None))
    buildings = [f"{n + 1}号楼" for n in range(max(2, n_rooms // 6))]
    capacities = (12, 16, 20, 25, 30, 40, 60, 80)
    rooms = [
        Room(id=f"R{i + 1:02d}", name=f"第{i + 1}会议室", capacity=capacities[i % len(capacities)], video=i % 2 == 0, building=buildings[i % len(buildings)])
        for i in range(n_rooms)
    ]
    units = list(UNITS) + [f"{u}{n}" for n in range(2, 2 + n_requests // 150) for u in UNITS[:10]]

    def at(day: int, minute: int) -> datetime:
        return datetime.combine(week + timedelta(days=day), time(minute // 60, minute % 60), tzinfo=tz)

    commitments = []
    for leader in leaders:
        roll = rng.random()
        if roll < 0.06:  # away two days
            d = rng.choice((0, 3))
            commitments.append(Commitment(leader=leader.id, start=at(d, 8 * 60), end=at(d + 1, 18 * 60), title="赴外地考察", away=True))
        elif roll < 0.35:
            d = rng.choice((0, 1, 3, 4))
            start = rng.choice((510, 870))
            commitments.append(Commitment(leader=leader.id, start=at(d, start), end=at(d, start + 180), title="下基层调研", away=True))

    requests = []
    i = 0
    chairs = [leader.id for leader in leaders]
    weights = [1 if n < 2 else 3 for n in range(len(chairs))]
    while len(requests) < n_requests:
        chair = rng.choices(chairs, weights)[0]
        tag, topic = rng.choice(THEMES)
        group = rng.choice((1, 1, 2, 2, 3)) if rng.random() < 0.6 else 1
        earliest = rng.choice((0, 0, 0, 1, 3))
        latest = min(4, earliest + rng.choice((1, 2, 4, 4)))
        base_units = rng.sample(units, 3)
        for g in range(min(group, n_requests - len(requests))):
            i += 1
            kind = rng.choice(KINDS)
            others = [x for x in rng.sample(chairs, 2) if x != chair][: rng.choice((0, 0, 1, 2))]
            fixed = None
            if rng.random() < 0.02:
                d = rng.choice((1, 2, 3))
                fixed = at(d, rng.choice((540, 900)))
            requests.append(MeetingRequest(
                id=f"Q{i:04d}", title=f"{topic}{kind}（{g + 1}）", kind="电视电话会议" if fixed else kind,
                organiser=base_units[0], agenda=f"研究{topic}有关事项", tags=(tag,) if group > 1 and rng.random() < 0.7 else (),
                chair=chair, leaders=tuple(others), units=tuple(base_units[: 2 + g % 2]) + tuple(rng.sample(units, 1)),
                attendees=rng.choice((8, 10, 12, 15, 18, 20, 25, 30, 40)), minutes=rng.choice((30, 45, 60, 60, 90, 120)),
                earliest=None if fixed else week + timedelta(days=earliest), latest=None if fixed else week + timedelta(days=latest),
                part_of_day=rng.choice(("不限", "不限", "不限", "上午", "下午")) if not fixed else "不限", fixed_start=fixed,
                format="电视电话" if fixed else rng.choice(("现场",) * 6 + ("视频",)), mergeable=rng.random() < 0.9 and not fixed,
                in_annual_plan=rng.random() < 0.2, urgent=rng.random() < 0.03, urgent_reason="上级督办",
                submitted_at=at(-4, 9 * 60 + i % 480), approval="同意",
            ))
    receptions = []
    taken: set[tuple[str, int, int]] = set()  # (leader or room, day, half) already holding a reception
    while len(receptions) < n_receptions:
        d = rng.choice((0, 1, 3, 4))
        start = rng.choice((540, 600, 900, 960))
        room = rng.choice(rooms) if rng.random() < 0.5 else None
        guests = tuple(rng.sample(chairs, rng.choice((1, 1, 2))))
        keys = {(x, d, start // 720) for x in guests + ((room.id,) if room else ())}
        if keys & taken:
            continue
        taken |= keys
        r = len(receptions)
        receptions.append(Reception(
            id=f"J{r + 1:03d}", title="来访考察接待", visitor="来访单位", start=at(d, start), end=at(d, start + 90),
            leaders=guests, place=room.name if room else "宾馆", room=room.id if room else None,
        ))
    return Problem(
        settings=settings, week=week, tz=tz, days=days, leaders=tuple(leaders), rooms=tuple(rooms),
        requests=tuple(requests), receptions=tuple(receptions), commitments=tuple(commitments), source=f"generated {size} seed {seed}",
    )



def planted(n_requests: int, seed: int = 0, *, use: float = 0.9, week: date = date(2026, 12, 7), time_limit: float = 60.0):
    """A week built around a hidden feasible plan: rooms filled back to back to about `use` of
    every working half-day, each meeting given a chair who is free then (each leader works in
    one building, so no travel buffer is needed), a window around its planted day and no
    shortening. Every request is placeable, so placed / placeable is known. Returns the problem
    and the hidden plan (which passes every hard rule: tests/test_generate.py)."""
    from .domain import Item, Plan, Sitting

    rng = random.Random(f"planted-{n_requests}-{seed}")
    tz = ZoneInfo("Asia/Shanghai")
    settings = Settings(week=week, no_meeting_days=(), time_limit_seconds=time_limit, kinds={})
    days = week_days(settings, week)
    halves = [(d, part, span) for d in days for part, span in (("上午", d.morning), ("下午", d.afternoon))]
    capacity_per_room = sum(int((b - a).total_seconds() // 60) for _, _, (a, b) in halves) * use
    n_rooms = max(2, -(-n_requests * 60 // int(capacity_per_room)))
    buildings = ("1号楼", "2号楼")
    rooms = tuple(
        Room(id=f"R{i + 1:02d}", name=f"第{i + 1}会议室", capacity=(12, 20, 30, 40, 60)[i % 5], video=i % 3 == 0, building=buildings[i % 2])
        for i in range(n_rooms)
    )
    n_leaders = max(4, n_requests // 6)
    leaders = tuple(Leader(id=f"L{i + 1:03d}", name=f"领导{i + 1:03d}", rank=i + 1) for i in range(n_leaders))
    home = {x.id: buildings[i % 2] for i, x in enumerate(leaders)}
    busy: dict[str, list[tuple[datetime, datetime]]] = {x.id: [] for x in leaders}
    requests, sittings = [], []
    slots = [(room, half) for half in halves for room in rooms]
    rng.shuffle(slots)
    for room, (day, part, (a, b)) in slots:
        length = int((b - a).total_seconds() // 60)
        at, budget = a, int(length * use)
        while budget >= 30 and len(requests) < n_requests:
            minutes = rng.choice([m for m in (30, 45, 60, 90) if m <= budget])
            start, end = at, at + timedelta(minutes=minutes)
            free = [x.id for x in leaders if home[x.id] == room.building and all(e <= start or s >= end for s, e in busy[x.id])]
            if not free:
                break
            chair = rng.choice(free)
            busy[chair].append((start, end))
            n = len(requests) + 1
            d = (day.date - week).days
            lo, hi = max(0, d - rng.choice((0, 0, 1, 2))), min(len(days) - 1, d + rng.choice((0, 1, 2)))
            request = MeetingRequest(
                id=f"P{n:04d}", title=f"第{n}号事项专题研究", kind="专题会", organiser=UNITS[n % len(UNITS)], agenda=f"事项{n}",
                chair=chair, units=(UNITS[n % len(UNITS)],), attendees=rng.randint(max(2, room.capacity // 2), room.capacity),
                minutes=minutes, min_minutes=minutes, earliest=days[lo].date, latest=days[hi].date,
                part_of_day=part if rng.random() < 0.3 else "不限", format="视频" if room.video and rng.random() < 0.3 else "现场",
                mergeable=False, approval="同意",
            )
            requests.append(request)
            item = Item(request_id=request.id, start=start, end=end, requested_minutes=minutes, leaders=(chair,), units=request.units, attendees=request.attendees)
            sittings.append(Sitting(id=request.id, room=room.id, chair=chair, start=start, end=end, items=(item,)))
            at, budget = end, budget - minutes
    problem = Problem(
        settings=settings, week=week, tz=tz, days=days, leaders=leaders, rooms=rooms, requests=tuple(requests),
        source=f"planted {n_requests} seed {seed} use {use:.0%}",
    )
    return problem, Plan(week=week, sittings=tuple(sorted(sittings, key=lambda s: (s.start, s.room))), outcomes=())
