"""Diagnosis page: cards, bottlenecks, drill-down, trend, plan table, generated sentences."""
STRINGS = {
    "diagnosis.nav": {"en": "Diagnosis", "zh": "诊断"},
    "diagnosis.title": {"en": "Diagnosis: plan, peers and bottlenecks", "zh": "诊断：计划、同业与瓶颈"},
    "diagnosis.caption": {"en": "{quarter} · data as of {as_of} · week {week} of {weeks} ({share} of the quarter) · {scope}",
                          "zh": "{quarter} · 数据截至 {as_of} · 第 {week}/{weeks} 周（季度已过 {share}）· {scope}"},
    "diagnosis.like_for_like": {
        "en": "The quarter is running: earlier quarters of flows and rates are compared at the same day "
              "(day {day} of the quarter).",
        "zh": "本季度尚未结束：流量与比率指标的历史季度按相同天数（季度第 {day} 天）对比。"},
    "diagnosis.ctype_plan_note": {
        "en": "Plans and peer benchmarks cover all customers, so with the customer-type filter they are shown "
              "only for {line} metrics.",
        "zh": "计划与同业对标针对全部客户，因此在客户类型筛选下仅对{line}指标显示。"},
    # sections and status
    "diagnosis.section.retail": {"en": "Retail and bank-wide", "zh": "零售及全行"},
    "diagnosis.section.corporate": {"en": "Corporate banking", "zh": "公司金融"},
    "diagnosis.status.on_track": {"en": "On track", "zh": "正常"},
    "diagnosis.status.at_risk": {"en": "At risk", "zh": "预警"},
    "diagnosis.status.off_track": {"en": "Off track", "zh": "落后"},
    "diagnosis.status.none": {"en": "No plan", "zh": "无计划"},
    # cards
    "diagnosis.card.plan_pace": {"en": "Plan {plan} · pace {expected} · {att}",
                                 "zh": "计划 {plan} · 进度 {expected} · 达成 {att}"},
    "diagnosis.card.plan": {"en": "Plan {plan} · {att}", "zh": "计划 {plan} · 达成 {att}"},
    "diagnosis.card.no_plan": {"en": "No plan for this scope", "zh": "该范围无计划值"},
    "diagnosis.card.peer": {"en": "Peers {peer} ({vs})", "zh": "同业 {peer}（{vs}）"},
    "diagnosis.card.yoy": {"en": "YoY {chg}", "zh": "同比 {chg}"},
    "diagnosis.card.vs_last_quarter": {"en": "vs last quarter", "zh": "环比"},
    "diagnosis.card.spark": {"en": "Last quarters: {quarters}", "zh": "近几个季度：{quarters}"},
    "diagnosis.pp": {"en": "{v} pp", "zh": "{v} 个百分点"},
    # bottlenecks
    "diagnosis.bottleneck.title": {"en": "What holds the quarter back", "zh": "本季度的主要瓶颈"},
    "diagnosis.bottleneck.help": {
        "en": "KPIs below plan (plan pace for flows), worst first. Each line is generated from the data: the gap to "
              "plan, the KPI's own change vs last quarter, the related KPI that moved the wrong way, and the gap to peers.",
        "zh": "低于计划（流量指标按进度）的指标，按差距从大到小排列。每条说明由数据生成：与计划的差距、指标自身环比变化、"
              "反向变动的相关指标、与同业的差距。"},
    "diagnosis.bottleneck.none": {"en": "Every KPI with a plan is at or above plan pace.",
                                  "zh": "所有有计划的指标均达到或超过计划进度。"},
    "diagnosis.bottleneck.no_plan": {"en": "No plan for this quarter and scope, so no bottleneck ranking.",
                                     "zh": "本季度该范围没有计划值，无法排列瓶颈。"},
    "diagnosis.bottleneck.more": {"en": "{n} more below plan", "zh": "另有 {n} 项低于计划"},
    "diagnosis.s.main_pace": {"en": "{label} at {att} of plan pace ({value} vs {expected} due by now)",
                              "zh": "{label}仅完成计划进度的 {att}（实际 {value}，按进度应达 {expected}）"},
    "diagnosis.s.main_plan": {"en": "{label} at {att} of plan ({value} vs {plan})",
                              "zh": "{label}完成计划的 {att}（实际 {value}，计划 {plan}）"},
    "diagnosis.s.main_lower": {"en": "{label} at {value}, worse than the plan of {plan} ({att} attainment)",
                               "zh": "{label}为 {value}，劣于计划 {plan}（达成率 {att}）"},
    "diagnosis.s.main_gap": {"en": "{label} at {value} against a plan of {plan}",
                             "zh": "{label}为 {value}，计划为 {plan}"},
    "diagnosis.s.own_up": {"en": "up {chg} QoQ", "zh": "环比上升 {chg}"},
    "diagnosis.s.own_down": {"en": "down {chg} QoQ", "zh": "环比下降 {chg}"},
    "diagnosis.s.qoq_up": {"en": "{label} up {chg} QoQ", "zh": "{label}环比上升 {chg}"},
    "diagnosis.s.qoq_down": {"en": "{label} down {chg} QoQ", "zh": "{label}环比下降 {chg}"},
    "diagnosis.s.peer_below": {"en": "below peers ({value} vs {peer})", "zh": "低于同业（{value} 对 {peer}）"},
    "diagnosis.s.peer_worse": {"en": "worse than peers ({value} vs {peer})", "zh": "劣于同业（{value} 对 {peer}）"},
    "diagnosis.s.join": {"en": "; ", "zh": "；"},
    # drill-down
    "diagnosis.drill.title": {"en": "Drill-down", "zh": "逐级下钻"},
    "diagnosis.drill.kpi": {"en": "KPI", "zh": "指标"},
    "diagnosis.drill.region": {"en": "Region", "zh": "区域"},
    "diagnosis.drill.branch": {"en": "Branch", "zh": "网点"},
    "diagnosis.drill.all_regions": {"en": "All regions", "zh": "全部区域"},
    "diagnosis.drill.all_branches": {"en": "All branches", "zh": "全部网点"},
    "diagnosis.drill.chart": {"en": "{kpi} by {level}", "zh": "各{level}{kpi}"},
    "diagnosis.level.region": {"en": "region", "zh": "区域"},
    "diagnosis.level.branch_id": {"en": "branch", "zh": "网点"},
    "diagnosis.level.rm_id": {"en": "relationship manager", "zh": "客户经理"},
    "diagnosis.drill.unassigned": {"en": "Unassigned", "zh": "未分配"},
    "diagnosis.drill.empty": {"en": "Nothing to rank for this selection.", "zh": "该选择下没有可排名的数据。"},
    "diagnosis.col.rank": {"en": "Rank", "zh": "排名"},
    "diagnosis.col.name": {"en": "Name", "zh": "名称"},
    "diagnosis.col.id": {"en": "ID", "zh": "编号"},
    "diagnosis.col.section": {"en": "Area", "zh": "板块"},
    "diagnosis.col.metric": {"en": "KPI", "zh": "指标"},
    "diagnosis.col.actual": {"en": "Actual", "zh": "实际"},
    "diagnosis.col.plan": {"en": "Plan", "zh": "计划"},
    "diagnosis.col.expected": {"en": "Plan pace", "zh": "计划进度"},
    "diagnosis.col.attainment": {"en": "Attainment", "zh": "达成率"},
    "diagnosis.col.status": {"en": "Status", "zh": "状态"},
    "diagnosis.col.peer": {"en": "Peers", "zh": "同业"},
    "diagnosis.col.vs_peer": {"en": "vs peers", "zh": "较同业"},
    "diagnosis.col.qoq": {"en": "vs last quarter", "zh": "环比"},
    "diagnosis.col.yoy": {"en": "vs last year", "zh": "同比"},
    "diagnosis.col.value": {"en": "Actual", "zh": "实际"},
    # trend
    "diagnosis.trend.title": {"en": "{kpi} through the quarter", "zh": "{kpi}季度内走势"},
    "diagnosis.trend.grain": {"en": "Step", "zh": "粒度"},
    "diagnosis.trend.week": {"en": "Week", "zh": "周"},
    "diagnosis.trend.month": {"en": "Month", "zh": "月"},
    "diagnosis.trend.axis.week": {"en": "Week of the quarter", "zh": "季度第几周"},
    "diagnosis.trend.axis.month": {"en": "Month of the quarter", "zh": "季度第几月"},
    "diagnosis.trend.series.actual": {"en": "This quarter", "zh": "本季度"},
    "diagnosis.trend.series.plan": {"en": "Plan pace", "zh": "计划进度"},
    "diagnosis.trend.series.last_quarter": {"en": "Last quarter", "zh": "上季度"},
    "diagnosis.trend.note": {
        "en": "Each point is the KPI to date at the end of that week or month; stocks move only when a balance "
              "snapshot exists.",
        "zh": "每个点为截至该周或该月末的累计值；存量指标仅在有余额快照时变化。"},
    "diagnosis.axis.value": {"en": "{kpi} ({unit})", "zh": "{kpi}（{unit}）"},
    # table
    "diagnosis.table.title": {"en": "Plan vs actual vs peers", "zh": "计划 · 实际 · 同业对比"},
    "diagnosis.table.download": {"en": "Download CSV", "zh": "下载 CSV"},
    # missing data
    "diagnosis.missing.table": {
        "en": "No **{label}** loaded, so {metrics} are hidden. Upload the **{source}** to fill them.",
        "zh": "尚未加载**{label}**，因此隐藏了{metrics}。请上传**{source}**以补齐。"},
    "diagnosis.missing.targets": {
        "en": "No plan for {quarter}: attainment, status and the bottleneck ranking are hidden. Upload the "
              "**{source}** to fill them.",
        "zh": "{quarter} 没有计划值：达成率、状态和瓶颈排名已隐藏。请上传**{source}**以补齐。"},
    "diagnosis.missing.peers": {
        "en": "No peer benchmarks for {quarter}: the peer comparison is hidden. Upload the **{source}** to fill it.",
        "zh": "{quarter} 没有同业对标：同业对比已隐藏。请上传**{source}**以补齐。"},
    "diagnosis.list_sep": {"en": ", ", "zh": "、"},
}
