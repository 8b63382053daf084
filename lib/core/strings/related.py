"""Related-party risk page: flagged clients, a client's network, guarantee circles."""
STRINGS = {
    "related.nav": {"en": "Related-party risk", "zh": "关联风险"},
    "related.title": {"en": "Related-party risk", "zh": "关联风险"},
    "related.caption": {"en": "{scope} · {clients} corporate clients with relations · relations in force on {day}",
                        "zh": "{scope} · 有关联关系的对公客户 {clients} 户 · 关系截至 {day}"},
    "related.missing": {
        "en": "No relations loaded yet. Upload a **{export}** on the Data page (shareholders, guarantees, actual "
              "controllers, legal representatives, supply chains), and a **{parties}** for the risk facts of "
              "outside companies.",
        "zh": "尚未加载关联关系。请在数据页上传**{export}**（股东、担保、实际控制人、法定代表人、上下游），"
              "并上传**{parties}**以提供外部企业的风险信息。"},
    "related.corporate_only": {
        "en": "Related-party risk covers corporate clients; the customer-type filter shows retail only.",
        "zh": "关联风险针对对公客户；当前客户类型筛选为零售。"},
    "related.no_clients": {"en": "No corporate client in this scope has a recorded relation.",
                           "zh": "当前范围内没有对公客户有关联关系记录。"},

    # headline
    "related.kpi.clients": {"en": "Clients with relations", "zh": "有关联关系的客户"},
    "related.kpi.flagged": {"en": "Flagged clients", "zh": "预警客户"},
    "related.kpi.high": {"en": "High risk", "zh": "高风险"},
    "related.kpi.circles": {"en": "Guarantee circles", "zh": "担保圈"},

    # levels and risk colours
    "related.level.high": {"en": "High", "zh": "高"},
    "related.level.medium": {"en": "Medium", "zh": "中"},
    "related.level.low": {"en": "Low", "zh": "低"},
    "related.risk.high": {"en": "High-risk party", "zh": "高风险主体"},
    "related.risk.medium": {"en": "Medium-risk party", "zh": "中风险主体"},
    "related.risk.none": {"en": "No risk fact", "zh": "无风险信息"},
    "related.node.client": {"en": "Selected client", "zh": "所选客户"},
    "related.node.customer": {"en": "Customer", "zh": "本行客户"},
    "related.node.outside": {"en": "Outside company", "zh": "外部企业"},
    "related.node.hop": {"en": "{n} relation(s) away", "zh": "相隔 {n} 层关系"},

    # relation types
    "related.rel.shareholder": {"en": "Shareholder", "zh": "股东"},
    "related.rel.guarantee": {"en": "Guarantee", "zh": "担保"},
    "related.rel.controller": {"en": "Actual controller", "zh": "实际控制人"},
    "related.rel.legal_rep": {"en": "Same legal representative", "zh": "同一法定代表人"},
    "related.rel.supply_chain": {"en": "Supply chain", "zh": "上下游"},

    # reason path: what the previous party is to the next one
    "related.step.guarantee.out": {"en": "guarantor of {other}", "zh": "为{other}担保"},
    "related.step.guarantee.in": {"en": "guaranteed by {other}", "zh": "由{other}担保"},
    "related.step.shareholder.out": {"en": "shareholder of {other}", "zh": "{other}的股东"},
    "related.step.shareholder.in": {"en": "owned by {other}", "zh": "{other}持股"},
    "related.step.controller.out": {"en": "controller of {other}", "zh": "{other}的实际控制人"},
    "related.step.controller.in": {"en": "controlled by {other}", "zh": "受{other}实际控制"},
    "related.step.legal_rep": {"en": "same legal representative as {other}", "zh": "与{other}法定代表人相同"},
    "related.step.supply_chain.out": {"en": "supplier of {other}", "zh": "{other}的供应商"},
    "related.step.supply_chain.in": {"en": "buyer from {other}", "zh": "{other}的采购方"},
    "related.paren": {"en": " ({v})", "zh": "（{v}）"},
    "related.list_sep": {"en": ", ", "zh": "、"},

    # risk facts
    "related.fact.overdue": {"en": "{name} overdue {days} days", "zh": "{name}逾期{days}天"},
    "related.fact.debt_ratio": {"en": "{name} debt ratio {pct}", "zh": "{name}资产负债率{pct}"},
    "related.fact.enforcement": {"en": "{name} under enforcement", "zh": "{name}被强制执行"},
    "related.fact.litigation": {"en": "{name} in litigation", "zh": "{name}涉诉"},
    "related.fact.loan_status": {"en": "{name} loan classified {status}", "zh": "{name}贷款五级分类为{status}"},
    "related.fact.circle": {"en": "{name} in a guarantee circle: {ring}", "zh": "{name}处于担保圈：{ring}"},
    "related.fact.short.overdue": {"en": "overdue {days} days", "zh": "逾期{days}天"},
    "related.fact.short.debt_ratio": {"en": "debt ratio {pct}", "zh": "资产负债率{pct}"},
    "related.fact.short.enforcement": {"en": "under enforcement", "zh": "被强制执行"},
    "related.fact.short.litigation": {"en": "in litigation", "zh": "涉诉"},
    "related.fact.short.loan_status": {"en": "loan classified {status}", "zh": "贷款五级分类为{status}"},
    "related.loan_status.watch": {"en": "watch", "zh": "关注"},
    "related.loan_status.substandard": {"en": "substandard", "zh": "次级"},
    "related.loan_status.doubtful": {"en": "doubtful", "zh": "可疑"},
    "related.loan_status.loss": {"en": "loss", "zh": "损失"},

    # flagged list
    "related.list.header": {"en": "Flagged clients", "zh": "预警客户"},
    "related.list.none": {"en": "No client in this scope is flagged.", "zh": "当前范围内没有预警客户。"},
    "related.list.note": {
        "en": "A client is flagged when it, or a party up to two relations away, is overdue 30+ days, under "
              "enforcement, in litigation, has a debt ratio of 80%+ or a loan classified watch or worse, or when "
              "it is in a guarantee circle. High: the client or a direct relation overdue 90+ days, under "
              "enforcement or with a substandard-or-worse loan. The reason reads from the client to the party at "
              "risk.",
        "zh": "客户本身或两层关系内的关联方出现逾期30天以上、被强制执行、涉诉、资产负债率80%以上、贷款五级分类为关注及以下，"
              "或客户处于担保圈中，即列入预警。高风险：客户本身或直接关联方逾期90天以上、被强制执行或贷款为次级及以下。"
              "原因从客户读到风险主体。"},
    "related.def.exposure": {
        "en": "Group: parties linked through shareholdings and actual control. Exposure = loans of the group's "
              "customers (latest balance) + amounts the group guarantees for parties outside it.",
        "zh": "集团：通过持股与实际控制相连的主体。敞口 = 集团内本行客户的贷款余额（最新快照）+ 集团为集团外主体提供的担保金额。"},
    "related.col.client": {"en": "Client", "zh": "客户号"},
    "related.col.name": {"en": "Name", "zh": "名称"},
    "related.col.level": {"en": "Risk", "zh": "风险"},
    "related.col.reason": {"en": "Reason", "zh": "原因"},
    "related.col.group": {"en": "Group head", "zh": "集团核心"},
    "related.col.group_size": {"en": "Group parties", "zh": "集团主体数"},
    "related.col.exposure": {"en": "Group exposure", "zh": "集团敞口"},
    "related.col.loans": {"en": "Group loans", "zh": "集团贷款"},
    "related.col.guarantees": {"en": "Guarantees given", "zh": "对外担保"},
    "related.col.branch": {"en": "Branch", "zh": "网点"},
    "related.col.industry": {"en": "Industry", "zh": "行业"},
    "related.col.graph": {"en": "Graph", "zh": "图谱"},
    "related.col.open": {"en": "open", "zh": "查看"},

    # one client's network
    "related.graph.header": {"en": "A client's network", "zh": "客户关联图谱"},
    "related.graph.client": {"en": "Client", "zh": "客户"},
    "related.graph.hops": {"en": "Relations away", "zh": "关系层数"},
    "related.graph.types": {"en": "Relation types", "zh": "关系类型"},
    "related.graph.title": {"en": "{client}: parties up to {k} relation(s) away",
                            "zh": "{client}：{k} 层以内的关联方"},
    "related.graph.truncated": {"en": "Showing the {shown} nearest of {total} parties.",
                                "zh": "显示最近的 {shown} 个主体（共 {total} 个）。"},
    "related.graph.alone": {"en": "No party is linked to this client through the chosen relation types.",
                            "zh": "所选关系类型下，该客户没有关联方。"},
    "related.graph.not_found": {
        "en": "Client {client} from the link is not a corporate client with relations in your scope; showing "
              "the first flagged client instead.",
        "zh": "链接中的客户 {client} 不是您权限范围内有关联关系的对公客户；改为显示第一个预警客户。"},
    "related.detail.flag": {"en": "**{level} risk:** {reason}", "zh": "**{level}风险**：{reason}"},
    "related.detail.no_flag": {"en": "No risk fact within two relations of this client.",
                               "zh": "该客户两层关系内没有风险信息。"},
    "related.detail.group": {
        "en": "Group of {n} parties headed by {head}: bank exposure {total} (loans {loans} + guarantees for "
              "others {guarantees}).",
        "zh": "集团共 {n} 个主体，核心为{head}：本行敞口 {total}（贷款 {loans} + 对外担保 {guarantees}）。"},
    "related.detail.single": {
        "en": "No shareholding or control ties: bank exposure {total} (loans {loans} + guarantees for others "
              "{guarantees}).",
        "zh": "无持股或控制关系：本行敞口 {total}（贷款 {loans} + 对外担保 {guarantees}）。"},
    "related.detail.circles": {"en": "Guarantee circles of this client", "zh": "该客户所在担保圈"},
    "related.detail.chains": {"en": "Guarantee chains from this client", "zh": "该客户的担保链"},

    # circles
    "related.circles.header": {"en": "Guarantee circles (mutual and joint guarantees)", "zh": "担保圈（互保、联保）"},
    "related.circles.none": {"en": "No guarantee circle in this scope.", "zh": "当前范围内没有担保圈。"},
    "related.circles.note": {
        "en": "A circle is a ring of guarantees (A guarantees B, B guarantees C, C guarantees A): when one member "
              "fails, the guarantees pass the loss round the ring. Rings of up to 6 parties with at least one "
              "client in your scope.",
        "zh": "担保圈是首尾相连的担保关系（A担保B、B担保C、C担保A）：一家出险，损失沿担保圈传导。"
              "列出6家以内、至少含一家您权限范围内客户的担保圈。"},
    "related.col.circle": {"en": "Circle", "zh": "担保圈"},
    "related.col.members": {"en": "Members (guarantor → guaranteed)", "zh": "成员（担保人 → 被担保人）"},
    "related.col.size": {"en": "Parties", "zh": "主体数"},
    "related.col.amount": {"en": "Guaranteed in the circle", "zh": "圈内担保金额"},
    "related.col.risky": {"en": "Members at risk", "zh": "风险成员数"},
    "related.col.worst": {"en": "Worst risk", "zh": "最高风险"},

    # links from other pages
    "related.link.client": {"en": "Related-party graph of this client", "zh": "查看该客户的关联图谱"},
    "related.link.diagnosis": {"en": "Related-party risk behind corporate clients", "zh": "查看对公客户的关联风险"},
}
