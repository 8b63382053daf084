"""Channels & products page: channel mix, funnels, campaign board, A/B tests, referrals, bundles."""
STRINGS = {
    "channels.nav": {"en": "Channels & products", "zh": "渠道与产品"},
    "channels.title": {"en": "Channels, campaigns and products", "zh": "渠道、营销活动与产品"},
    "channels.caption": {"en": "{quarter} · {scope}", "zh": "{quarter} · {scope}"},
    "channels.no_quarter": {
        "en": "No dated leads, campaigns, referrals or sales yet. Upload a **Campaign / CRM leads export** on the Data page.",
        "zh": "暂无带日期的线索、活动、转介或销售数据。请在数据页上传**营销或CRM线索导出**。"},
    "channels.missing": {
        "en": "This part needs data that is not loaded yet. Upload on the Data page: {exports}.",
        "zh": "本部分所需数据尚未加载。请在数据页上传：{exports}。"},
    "channels.download": {"en": "Download CSV", "zh": "下载 CSV"},
    "channels.none_in_quarter": {"en": "Nothing recorded in this quarter for the selected scope.",
                                 "zh": "所选范围本季度无记录。"},
    "channels.saved": {"en": "Saved. Every page now uses these values.", "zh": "已保存，所有页面将使用这些取值。"},
    "channels.save": {"en": "Save", "zh": "保存"},

    # tabs
    "channels.tab.channels": {"en": "Channels", "zh": "渠道"},
    "channels.tab.campaigns": {"en": "Campaigns", "zh": "营销活动"},
    "channels.tab.ab": {"en": "A/B tests", "zh": "A/B 测试"},
    "channels.tab.referrals": {"en": "Referrals", "zh": "公私联动转介"},
    "channels.tab.products": {"en": "Products & bundles", "zh": "产品与组合"},

    # labels: channels
    "channels.channel.app": {"en": "Mobile app", "zh": "手机银行"},
    "channels.channel.livestream": {"en": "Livestream", "zh": "直播"},
    "channels.channel.branch": {"en": "Branch", "zh": "网点"},
    "channels.channel.mobile_rm": {"en": "Mobile RM", "zh": "移动展业"},
    "channels.channel.phone": {"en": "Phone", "zh": "电话"},
    "channels.channel.wechat": {"en": "WeChat", "zh": "微信"},
    "channels.channel.online": {"en": "Online banking", "zh": "网上银行"},
    "channels.channel.referral": {"en": "Referral", "zh": "转介"},
    "channels.channel.partner": {"en": "Partner", "zh": "合作方"},
    "channels.channel.unknown": {"en": "Not recorded", "zh": "未记录"},

    # channel mix
    "channels.mix.header": {"en": "Channel mix by week", "zh": "各渠道按周表现"},
    "channels.leads.loaded": {"en": "Leads loaded", "zh": "已加载线索"},
    "channels.leads.conversion": {"en": "Overall conversion rate", "zh": "总体转化率"},
    "channels.leads.undated": {"en": "Undated leads", "zh": "无日期线索"},
    "channels.leads.undated_help": {
        "en": "Leads without a contact date belong to no quarter or week: they are counted here and in the "
              "overall conversion rate, not in the weekly charts. Add the contact date to the leads export to place them.",
        "zh": "没有触达日期的线索不属于任何季度或周：计入此处和总体转化率，不计入按周图表。请在线索导出中补充触达日期。"},
    "channels.leads.conversion_help": {
        "en": "Converted leads / all leads loaded in scope, dated or not.",
        "zh": "已成交线索 / 范围内已加载的全部线索（含无日期线索）。"},
    "channels.mix.measure": {"en": "Show", "zh": "显示指标"},
    "channels.measure.leads": {"en": "Leads", "zh": "线索数"},
    "channels.measure.conversions": {"en": "Conversions", "zh": "成交数"},
    "channels.measure.new_customers": {"en": "New customers", "zh": "新客户数"},
    "channels.measure.sales_amount": {"en": "Sales amount", "zh": "销售金额"},
    "channels.measure.aum_inflow": {"en": "AUM inflow", "zh": "资产流入"},
    "channels.mix.chart_title": {"en": "{measure} by week and channel, {quarter}",
                                 "zh": "{quarter} 各渠道每周{measure}"},
    "channels.axis.week": {"en": "Week of the quarter", "zh": "季度第几周"},
    "channels.axis.money": {"en": "{measure} ({unit})", "zh": "{measure}（{unit}）"},
    "channels.axis.count": {"en": "{measure}", "zh": "{measure}"},
    "channels.legend.channel": {"en": "Channel", "zh": "渠道"},
    "channels.mix.note": {
        "en": "Leads are counted in the week of contact; conversions, new customers and AUM inflow in the week "
              "of conversion; sales amount comes from the sales export (by sale date and sales channel).",
        "zh": "线索按触达周统计；成交、新客户和资产流入按成交周统计；销售金额来自销售导出（按销售日期和销售渠道）。"},
    "channels.summary.header": {"en": "Quarter totals per channel", "zh": "本季度各渠道合计"},
    "channels.col.channel": {"en": "Channel", "zh": "渠道"},
    "channels.col.leads": {"en": "Leads", "zh": "线索数"},
    "channels.col.conversions": {"en": "Conversions", "zh": "成交数"},
    "channels.col.conversion_rate": {"en": "Conversion rate", "zh": "转化率"},
    "channels.col.new_customers": {"en": "New customers", "zh": "新客户数"},
    "channels.col.sales_amount": {"en": "Sales amount ({unit})", "zh": "销售金额（{unit}）"},
    "channels.col.aum_inflow": {"en": "AUM inflow ({unit})", "zh": "资产流入（{unit}）"},

    # funnel
    "channels.funnel.header": {"en": "Funnel per channel", "zh": "各渠道转化漏斗"},
    "channels.funnel.campaign_header": {"en": "Funnel of one campaign", "zh": "单个活动的转化漏斗"},
    "channels.funnel.pick_campaign": {"en": "Campaign", "zh": "营销活动"},
    "channels.funnel.chart_title": {"en": "Leads reaching each step, {quarter}", "zh": "{quarter} 各步骤线索数"},
    "channels.funnel.campaign_title": {"en": "Funnel: {name}", "zh": "漏斗：{name}"},
    "channels.funnel.axis.leads": {"en": "Leads", "zh": "线索数"},
    "channels.funnel.axis.step": {"en": "Step", "zh": "步骤"},
    "channels.step.contacted": {"en": "Contacted", "zh": "已触达"},
    "channels.step.interested": {"en": "Interested", "zh": "有意向"},
    "channels.step.applied": {"en": "Applied", "zh": "已申请"},
    "channels.step.converted": {"en": "Converted", "zh": "已成交"},
    "channels.col.group": {"en": "Channel or campaign", "zh": "渠道或活动"},
    "channels.col.step": {"en": "Step", "zh": "步骤"},
    "channels.col.share_of_contacted": {"en": "Share of contacted", "zh": "占触达比例"},
    "channels.col.drop": {"en": "Drop from previous step", "zh": "较上一步流失"},
    "channels.funnel.note": {
        "en": "A lead counts at the furthest step it reached and every step before; lost leads and leads without "
              "a stage count as contacted only; a converted lead reached every step.",
        "zh": "每条线索计入其到达的最远步骤及之前所有步骤；已流失或无阶段的线索仅计为已触达；已成交线索计入全部步骤。"},

    # campaign board
    "channels.board.header": {"en": "Campaign board", "zh": "营销活动看板"},
    "channels.def.roi": {
        "en": "**ROI = attributable revenue ÷ cost** (revenue earned per 1 yuan spent). Attributable revenue = fee "
              "income of the sales that closed the campaign's converted leads + AUM inflow × annual margin ({margin}) "
              "× the share of the year left after each conversion. The playbook's \"1:2\" means 2 yuan earned per "
              "1 yuan spent: campaigns with ROI below **{threshold}** are flagged **stop or fix**.",
        "zh": "**ROI = 可归因收入 ÷ 成本**（每投入 1 元带来的收入）。可归因收入 = 活动成交线索对应销售的中间业务收入 + 资产流入 "
              "× 年化利差（{margin}）× 成交后当年剩余天数占比。作战手册中的“1:2”指投入 1 元产出 2 元：ROI 低于 **{threshold}** "
              "的活动标记为**停止或整改**。"},
    "channels.def.board": {
        "en": "Conversion rate = converted ÷ contacted leads; acquisition cost = cost ÷ new customers won; AUM "
              "contribution = AUM inflow of converted leads. Flag reasons compare the campaign with the median "
              "campaign on this board (conversion below half, cost per lead above 1.5×, revenue per conversion below "
              "half). Under a region, branch or customer-type filter, cost is allocated by the campaign's share of "
              "leads in scope; unconverted prospects count only in the whole-bank view and under Unassigned.",
        "zh": "转化率 = 成交线索 ÷ 触达线索；获客成本 = 成本 ÷ 新获客户数；资产贡献 = 成交线索的资产流入。整改原因与本看板的中位活动比较"
              "（转化率低于一半、单线索成本高于 1.5 倍、单笔成交收入低于一半）。选择区域、网点或客户类型时，成本按活动在该范围内的线索占比分摊；"
              "未成交的潜客仅在全行视图和“未分配”中计入。"},
    "channels.board.filter_channel": {"en": "Channels", "zh": "渠道"},
    "channels.board.flagged_only": {"en": "Only campaigns to stop or fix", "zh": "只看需停止或整改的活动"},
    "channels.board.kpi.campaigns": {"en": "Campaigns", "zh": "活动数"},
    "channels.board.kpi.flagged": {"en": "To stop or fix", "zh": "需停止或整改"},
    "channels.board.kpi.cost": {"en": "Total cost", "zh": "总成本"},
    "channels.board.kpi.revenue": {"en": "Attributable revenue", "zh": "可归因收入"},
    "channels.board.kpi.roi": {"en": "Overall ROI", "zh": "整体 ROI"},
    "channels.board.none": {"en": "No campaign ran in this quarter.", "zh": "本季度没有营销活动。"},
    "channels.board.roi_chart": {"en": "ROI per campaign (threshold {threshold})", "zh": "各活动 ROI（阈值 {threshold}）"},
    "channels.axis.roi": {"en": "ROI (revenue ÷ cost)", "zh": "ROI（收入 ÷ 成本）"},
    "channels.axis.campaign": {"en": "Campaign", "zh": "活动"},
    "channels.legend.status": {"en": "Status", "zh": "状态"},
    "channels.status.flagged": {"en": "Stop or fix", "zh": "停止或整改"},
    "channels.status.ok": {"en": "Keep", "zh": "保留"},
    "channels.status.no_cost": {"en": "No cost recorded", "zh": "未记录成本"},
    "channels.status.not_started": {"en": "Not started yet", "zh": "尚未开始"},
    "channels.col.kind": {"en": "Kind", "zh": "类型"},
    "channels.kind.sprint_offer": {"en": "Sprint offer", "zh": "冲刺期优惠"},
    "channels.col.flag": {"en": "Status", "zh": "状态"},
    "channels.col.campaign": {"en": "Campaign", "zh": "活动"},
    "channels.col.start": {"en": "Start", "zh": "开始"},
    "channels.col.end": {"en": "End", "zh": "结束"},
    "channels.col.cost": {"en": "Cost ({unit})", "zh": "成本（{unit}）"},
    "channels.col.acquisition_cost": {"en": "Cost per new customer ({unit})", "zh": "单客获客成本（{unit}）"},
    "channels.col.aum_contribution": {"en": "AUM contribution ({unit})", "zh": "资产贡献（{unit}）"},
    "channels.col.fee_income": {"en": "Fee income ({unit})", "zh": "中间业务收入（{unit}）"},
    "channels.col.revenue": {"en": "Attributable revenue ({unit})", "zh": "可归因收入（{unit}）"},
    "channels.col.roi": {"en": "ROI", "zh": "ROI"},
    "channels.col.cost_per_lead": {"en": "Cost per lead ({unit})", "zh": "单线索成本（{unit}）"},
    "channels.col.reasons": {"en": "Why", "zh": "原因"},
    "channels.reason.no_leads": {"en": "no leads in scope", "zh": "范围内无线索"},
    "channels.reason.no_conversions": {"en": "no conversions", "zh": "无成交"},
    "channels.reason.low_conversion": {"en": "low conversion", "zh": "转化率低"},
    "channels.reason.high_cost_per_lead": {"en": "high cost per lead", "zh": "单线索成本高"},
    "channels.reason.low_ticket": {"en": "low ticket size", "zh": "单笔收入低"},
    "channels.reason.low_revenue": {"en": "revenue too low for its cost", "zh": "收入不足以覆盖成本"},
    "channels.settings.header": {"en": "ROI settings", "zh": "ROI 参数"},
    "channels.settings.margin": {"en": "Annual margin on AUM inflow (%)", "zh": "资产流入年化利差（%）"},
    "channels.settings.threshold": {"en": "Flag campaigns with ROI below", "zh": "ROI 低于此值时标记"},

    # A/B tests
    "channels.ab.header": {"en": "A/B tests of sales scripts", "zh": "销售话术 A/B 测试"},
    "channels.ab.none": {
        "en": "No campaign has leads with two or more script variants. Add a variant column (A/B) to the leads export.",
        "zh": "没有活动的线索带有两个及以上话术版本。请在线索导出中加入话术版本列（A/B）。"},
    "channels.ab.pick": {"en": "Campaign with a script test", "zh": "有话术测试的活动"},
    "channels.ab.arms_title": {"en": "Conversion per variant (95% CI)", "zh": "各版本转化率（95% 置信区间）"},
    "channels.ab.axis.variant": {"en": "Script variant", "zh": "话术版本"},
    "channels.ab.axis.rate": {"en": "Conversion rate (%)", "zh": "转化率（%）"},
    "channels.ab.col.variant": {"en": "Variant", "zh": "版本"},
    "channels.ab.col.ci": {"en": "95% confidence interval", "zh": "95% 置信区间"},
    "channels.ab.diff": {"en": "Difference {variant} − {control}", "zh": "差异 {variant} − {control}"},
    "channels.ab.diff_ci": {"en": "95% CI {low} to {high}", "zh": "95% 置信区间 {low} 至 {high}"},
    "channels.ab.p_value": {"en": "p-value (z-test)", "zh": "p 值（z 检验）"},
    "channels.ab.p_exact": {"en": "Fisher exact p {p}", "zh": "Fisher 精确检验 p = {p}"},
    "channels.ab.needed": {"en": "Leads per arm for 80% power", "zh": "80% 检验功效所需每组线索数"},
    "channels.ab.needed_help": {"en": "To detect the observed difference at the 5% level (two-sided).",
                                "zh": "在 5% 显著性水平（双侧）下检测到当前观察到的差异所需。"},
    "channels.ab.infinite": {"en": "no difference to detect", "zh": "无差异可检测"},
    "channels.ab.pp": {"en": "{value} pp", "zh": "{value} 个百分点"},
    "channels.ab.verdict.significant": {
        "en": "**{variant} converts {direction} than {control}** ({rate_variant} vs {rate_control}; difference "
              "{diff}, 95% CI {low} to {high}). The evidence is statistically significant (p = {p}); the true gap "
              "could be anywhere in that interval.",
        "zh": "**话术 {variant} 的转化率{direction}话术 {control}**（{rate_variant} 对 {rate_control}；差异 {diff}，95% 置信区间 "
              "{low} 至 {high}）。该差异在统计上显著（p = {p}）；真实差距可能落在区间内任何位置。"},
    "channels.ab.direction.better": {"en": "better", "zh": "高于"},
    "channels.ab.direction.worse": {"en": "worse", "zh": "低于"},
    "channels.ab.verdict.not_enough": {
        "en": "**Not enough evidence yet**: {variant} {rate_variant} vs {control} {rate_control} (p = {p}). If the "
              "observed gap is real, about {needed} leads per arm are needed; **need about {more} more leads per arm**.",
        "zh": "**证据尚不充分**：话术 {variant} {rate_variant}，话术 {control} {rate_control}（p = {p}）。若观察到的差距真实存在，"
              "每组约需 {needed} 条线索，**每组还需约 {more} 条线索**。"},
    "channels.ab.verdict.probably_small": {
        "en": "**No significant difference** ({variant} {rate_variant} vs {control} {rate_control}, p = {p}) although "
              "each arm already has about the {needed} leads needed for the observed gap: the true gap is probably "
              "smaller than observed.",
        "zh": "**差异不显著**（话术 {variant} {rate_variant}，话术 {control} {rate_control}，p = {p}），而每组线索数已接近检测该差距所需的 "
              "{needed} 条：真实差距很可能小于观察值。"},
    "channels.ab.verdict.no_difference": {
        "en": "**No difference observed so far**: both variants convert at {rate_variant}.",
        "zh": "**目前未观察到差异**：两个话术的转化率均为 {rate_variant}。"},
    "channels.ab.verdict.no_conversions": {
        "en": "**Nothing to compare yet**: {variant} {rate_variant} and {control} {rate_control} — all leads ended "
              "the same way.",
        "zh": "**暂无可比较的结果**：话术 {variant} {rate_variant}，话术 {control} {rate_control}，所有线索结果相同。"},
    "channels.ab.small_note": {
        "en": "Small sample: the decision uses Fisher's exact test instead of the normal approximation.",
        "zh": "样本较小：结论采用 Fisher 精确检验，而非正态近似。"},
    "channels.ab.multi_note": {
        "en": "{arms} variants: each is compared with {control} at the {alpha} level (Bonferroni).",
        "zh": "共 {arms} 个版本：每个版本与 {control} 比较，显著性水平 {alpha}（Bonferroni 校正）。"},
    "channels.ab.method": {
        "en": "Method (statsmodels): Wilson intervals per variant; Newcomb interval for the difference; two-sided "
              "two-proportion z-test with pooled variance; sample size from Cohen's h with a normal power "
              "calculation (80% power, 5% level, equal arms).",
        "zh": "方法（statsmodels）：各版本采用 Wilson 区间；差异采用 Newcomb 区间；双侧两比例 z 检验（合并方差）；样本量基于 Cohen's h "
              "的正态功效计算（80% 功效、5% 显著性水平、两组等量）。"},

    # referrals
    "channels.ref.header": {"en": "Corporate ↔ retail cross-referrals", "zh": "公私联动转介"},
    "channels.direction.corporate_to_retail": {"en": "Corporate → retail", "zh": "对公转零售"},
    "channels.direction.retail_to_corporate": {"en": "Retail → corporate", "zh": "零售转对公"},
    "channels.ref.kpi": {"en": "{direction}", "zh": "{direction}"},
    "channels.ref.kpi_caption": {"en": "{converted} of {referrals} converted ({rate}) · {amount} · rewards {reward}",
                                 "zh": "{referrals} 笔中成交 {converted} 笔（{rate}）· {amount} · 奖励 {reward}"},
    "channels.ref.by_branch_title": {"en": "Referrals by branch and direction", "zh": "各网点转介（按方向）"},
    "channels.ref.axis.referrals": {"en": "Referrals", "zh": "转介笔数"},
    "channels.ref.axis.branch": {"en": "Branch", "zh": "网点"},
    "channels.legend.direction": {"en": "Direction", "zh": "方向"},
    "channels.ref.top": {"en": "Top referrers", "zh": "转介之星"},
    "channels.ref.pairs": {"en": "By RM pair", "zh": "按客户经理配对"},
    "channels.ref.branches": {"en": "By branch", "zh": "按网点"},
    "channels.col.referrer": {"en": "Referring RM", "zh": "转出客户经理"},
    "channels.col.receiver": {"en": "Receiving RM", "zh": "承接客户经理"},
    "channels.col.branch": {"en": "Branch", "zh": "网点"},
    "channels.col.direction": {"en": "Direction", "zh": "方向"},
    "channels.col.referrals": {"en": "Referrals", "zh": "转介笔数"},
    "channels.col.converted": {"en": "Converted", "zh": "成交笔数"},
    "channels.col.amount": {"en": "Amount ({unit})", "zh": "金额（{unit}）"},
    "channels.col.reward": {"en": "Reward earned ({unit})", "zh": "应得奖励（{unit}）"},
    "channels.ref.rule_header": {"en": "Referral reward rule", "zh": "转介奖励规则"},
    "channels.ref.rule": {
        "en": "Reward per converted referral = {flat} + {share} × first-year revenue; first-year revenue = amount × "
              "{m_c2r} (corporate → retail) or × {m_r2c} (retail → corporate). Earned by the referring RM.",
        "zh": "每笔成交转介奖励 = {flat} + {share} × 首年收入；首年收入 = 金额 × {m_c2r}（对公转零售）或 × {m_r2c}（零售转对公）。"
              "奖励归转出客户经理。"},
    "channels.ref.share": {"en": "Share of first-year revenue (%)", "zh": "首年收入分成比例（%）"},
    "channels.ref.flat": {"en": "Flat amount per conversion (CNY)", "zh": "每笔成交固定奖励（元）"},
    "channels.ref.m_c2r": {"en": "First-year margin, corporate → retail (%)", "zh": "首年收益率：对公转零售（%）"},
    "channels.ref.m_r2c": {"en": "First-year margin, retail → corporate (%)", "zh": "首年收益率：零售转对公（%）"},

    # products
    "channels.prod.penetration_header": {"en": "Product penetration by tier and segment", "zh": "各层级客户产品渗透率"},
    "channels.prod.penetration_title": {"en": "Share of customers holding each product type, {quarter}",
                                        "zh": "{quarter} 持有各类产品的客户占比"},
    "channels.prod.tiers_note": {
        "en": "Retail tiers by AUM at the quarter's last snapshot: private ≥ {private}, wealth ≥ {wealth}, potential ≥ "
              "{potential}, mass below. Holding = a sale of the type not closed at the quarter's end.",
        "zh": "零售层级按季末快照 AUM 划分：私行 ≥ {private}，财富 ≥ {wealth}，潜力 ≥ {potential}，其余为大众。持有 = 该类产品销售在季末未结束。"},
    "channels.axis.product_type": {"en": "Product type", "zh": "产品类型"},
    "channels.axis.tier": {"en": "Tier", "zh": "客户层级"},
    "channels.axis.holds": {"en": "Customers holding", "zh": "持有产品"},
    "channels.axis.also_hold": {"en": "…also hold", "zh": "……同时持有"},
    "channels.axis.share": {"en": "Share (%)", "zh": "占比（%）"},
    "channels.axis.customers": {"en": "Customers", "zh": "客户数"},
    "channels.tier.private": {"en": "Private banking", "zh": "私行客户"},
    "channels.tier.wealth": {"en": "Wealth", "zh": "财富客户"},
    "channels.tier.potential": {"en": "Potential", "zh": "潜力客户"},
    "channels.tier.mass": {"en": "Mass", "zh": "大众客户"},
    "channels.tier.unknown": {"en": "Retail, AUM unknown", "zh": "零售（无资产数据）"},
    "channels.tier.corporate": {"en": "Corporate", "zh": "对公客户"},
    "channels.prod.coholding_header": {"en": "Which bundles customers actually hold", "zh": "客户实际持有的产品组合"},
    "channels.prod.coholding_title": {"en": "Of customers holding the row's type, share also holding the column's",
                                      "zh": "持有行产品的客户中，同时持有列产品的占比"},
    "channels.prod.next_header": {"en": "Most common next product", "zh": "最常见的下一个产品"},
    "channels.prod.next_pick": {"en": "Customers who hold all of", "zh": "同时持有以下产品的客户"},
    "channels.prod.next_title": {"en": "Next product bought by the {holders} customers holding this set",
                                 "zh": "持有该组合的 {holders} 位客户接下来购买的产品"},
    "channels.prod.next_none": {"en": "No customer in scope holds this whole set.", "zh": "范围内没有客户同时持有这些产品。"},
    "channels.prod.next_note": {
        "en": "Next product = the first type outside the set bought after the customer completed the set; "
              "{without} of them bought nothing new since.",
        "zh": "下一个产品 = 客户集齐该组合后首次购买的组合外产品类型；其中 {without} 位此后未购买新产品。"},
    "channels.ptype.deposit": {"en": "Deposit", "zh": "存款"},
    "channels.ptype.wealth": {"en": "Wealth", "zh": "理财"},
    "channels.ptype.fund": {"en": "Fund", "zh": "基金"},
    "channels.ptype.insurance": {"en": "Insurance", "zh": "保险"},
    "channels.ptype.credit_card": {"en": "Credit card", "zh": "信用卡"},
    "channels.ptype.consumer_loan": {"en": "Consumer loan", "zh": "消费贷"},
    "channels.ptype.business_loan": {"en": "Business loan", "zh": "经营贷"},
    "channels.ptype.mortgage": {"en": "Mortgage", "zh": "房贷"},
    "channels.ptype.payroll": {"en": "Payroll", "zh": "代发工资"},
    "channels.ptype.corporate_account": {"en": "Corporate account", "zh": "对公账户"},
    "channels.ptype.supply_chain": {"en": "Supply-chain finance", "zh": "供应链金融"},
    "channels.ptype.fx_settlement": {"en": "Cross-border / FX", "zh": "跨境结算"},
    "channels.ptype.precious_metal": {"en": "Precious metals", "zh": "贵金属"},

    # corporate calculator
    "channels.calc.header": {"en": "Corporate combined-revenue calculator", "zh": "对公综合收益测算"},
    "channels.calc.mode": {"en": "Client", "zh": "客户"},
    "channels.calc.mode.client": {"en": "Existing corporate client", "zh": "存量对公客户"},
    "channels.calc.mode.prospect": {"en": "Prospect (type the figures)", "zh": "潜在客户（手工输入）"},
    "channels.calc.pick": {"en": "Corporate client (largest deposits first)", "zh": "对公客户（按存款从高到低）"},
    "channels.calc.search": {"en": "Find a corporate client", "zh": "查找对公客户"},
    "channels.calc.search_hint": {"en": "client ID or industry", "zh": "客户号或行业"},
    "channels.calc.shown": {"en": "The {n} largest of {total} matching clients; narrow the search to find others.",
                            "zh": "显示 {total} 个匹配客户中存款最大的 {n} 个；请缩小查找范围以找到其他客户。"},
    "channels.calc.no_match": {"en": "No corporate client in scope matches the search: change it, or type a "
                                     "prospect's figures instead.",
                               "zh": "范围内没有匹配的对公客户：请修改查找条件，或改为输入潜在客户的数据。"},
    "channels.calc.client_label": {"en": "{id} · {industry} · deposits {deposits}", "zh": "{id} · {industry} · 存款 {deposits}"},
    "channels.calc.no_clients": {"en": "No corporate clients in scope: type a prospect's figures instead.",
                                 "zh": "范围内没有对公客户，请改为手工输入潜在客户数据。"},
    "channels.calc.today": {"en": "Today: fee income of the last 12 months {fees}; holds {held}.",
                            "zh": "当前：近 12 个月中间业务收入 {fees}；持有 {held}。"},
    "channels.calc.inputs": {"en": "Client figures (edit to explore)", "zh": "客户数据（可修改以测算）"},
    "channels.calc.in.deposits": {"en": "Deposits (CNY)", "zh": "存款（元）"},
    "channels.calc.in.loans": {"en": "Loans (CNY)", "zh": "贷款（元）"},
    "channels.calc.in.wealth": {"en": "Wealth balance (CNY)", "zh": "理财余额（元）"},
    "channels.calc.in.payroll_annual": {"en": "Annual payroll volume (CNY)", "zh": "年代发工资额（元）"},
    "channels.calc.in.employees": {"en": "Employees", "zh": "员工人数"},
    "channels.calc.in.scf_volume": {"en": "Supply-chain financing (CNY)", "zh": "供应链融资额（元）"},
    "channels.calc.include_scf": {"en": "Include supply-chain financing", "zh": "包含供应链金融"},
    "channels.calc.assumptions": {"en": "Assumptions (saved for everyone)", "zh": "测算假设（保存后对所有人生效）"},
    "channels.calc.a.deposit_margin": {"en": "Deposit margin (%)", "zh": "存款利差（%）"},
    "channels.calc.a.loan_margin": {"en": "Loan margin (%)", "zh": "贷款利差（%）"},
    "channels.calc.a.account_fee": {"en": "Account fees per year (CNY)", "zh": "账户年费收入（元）"},
    "channels.calc.a.wealth_fee_rate": {"en": "Wealth fee rate (%)", "zh": "理财费率（%）"},
    "channels.calc.a.payroll_fee_rate": {"en": "Payroll fee rate (%)", "zh": "代发费率（%）"},
    "channels.calc.a.retail_revenue_per_employee": {"en": "Retail revenue per employee (CNY/year)",
                                                    "zh": "每名员工零售收入（元/年）"},
    "channels.calc.a.scf_margin": {"en": "Supply-chain financing margin (%)", "zh": "供应链融资利差（%）"},
    "channels.calc.a.wealth_share_of_deposits": {"en": "Suggested wealth balance, share of deposits (%)",
                                                 "zh": "建议理财规模占存款比例（%）"},
    "channels.calc.a.avg_monthly_salary": {"en": "Average monthly salary, for the head count (CNY)",
                                           "zh": "人均月薪（估算人数用，元）"},
    "channels.calc.chart_title": {"en": "Annual revenue per bundle", "zh": "各组合年化收入"},
    "channels.calc.axis.scenario": {"en": "Bundle", "zh": "组合"},
    "channels.calc.axis.revenue": {"en": "Annual revenue ({unit})", "zh": "年化收入（{unit}）"},
    "channels.legend.component": {"en": "Revenue from", "zh": "收入来源"},
    "channels.scenario.today": {"en": "Today", "zh": "当前"},
    "channels.scenario.account": {"en": "Account", "zh": "账户"},
    "channels.scenario.account_wealth": {"en": "Account + wealth", "zh": "账户 + 理财"},
    "channels.scenario.account_wealth_payroll": {"en": "Account + wealth + payroll", "zh": "账户 + 理财 + 代发"},
    "channels.scenario.account_wealth_payroll_scf": {"en": "… + supply-chain finance", "zh": "…… + 供应链金融"},
    "channels.component.spread": {"en": "Deposit and loan spread", "zh": "存贷利差"},
    "channels.component.fees": {"en": "Fees (last 12 months)", "zh": "手续费（近 12 个月）"},
    "channels.component.account": {"en": "Account (spread + fees)", "zh": "账户（利差 + 费用）"},
    "channels.component.wealth": {"en": "Wealth", "zh": "理财"},
    "channels.component.payroll": {"en": "Payroll and staff", "zh": "代发及员工"},
    "channels.component.supply_chain": {"en": "Supply-chain finance", "zh": "供应链金融"},
    "channels.col.scenario": {"en": "Bundle", "zh": "组合"},
    "channels.col.annual_revenue": {"en": "Annual revenue", "zh": "年化收入"},
    "channels.col.vs_today": {"en": "vs today", "zh": "较当前"},
    "channels.calc.zero_upside": {
        "en": "A bundle adds nothing while the figures of the products it adds are zero: type the client's expected "
              "payroll volume, head count or financing above to see its upside.",
        "zh": "组合新增产品的数据为零时不产生增量：请在上方输入客户预计的代发额、员工人数或融资额以查看增量收入。"},
    "channels.calc.formula": {
        "en": "Account = deposits × deposit margin + loans × loan margin + account fees; wealth = wealth balance × fee "
              "rate; payroll = payroll volume × fee rate + employees × retail revenue per employee; supply chain = "
              "financing × margin. Today = the same formula for the products the client holds (the account always); "
              "each bundle adds only products it does not hold yet.",
        "zh": "账户 = 存款 × 存款利差 + 贷款 × 贷款利差 + 账户费用；理财 = 理财余额 × 费率；代发 = 代发额 × 费率 + 员工数 × 每名员工零售收入；"
              "供应链 = 融资额 × 利差。当前 = 按同一公式计算客户已持有的产品（账户始终计入）；各组合只增加尚未持有的产品。"},
}
