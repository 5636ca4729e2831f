"""UI strings in Japanese and English (data-driven names come from the catalog, not from here)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("群馬県 高齢者保健福祉計画 第2章 進捗ダッシュボード",
                  "Gunma elderly-care plan, Chapter 2: progress dashboard"),
    "page_overview": ("トップ（全目標の進捗）", "Overview"),
    "page_area": ("{n}. {name}", "{n}. {name}"),
    "page_profile": ("市町村カルテ", "Municipality profile"),
    "page_methodology": ("データと指標の説明", "Data and methodology"),
    "page_upload": ("データ更新", "Data upload"),
    "filters": ("表示条件", "Filters"),
    "f_place": ("地域", "Place"),
    "f_year": ("年度", "Fiscal year"),
    "f_as_of": ("データ時点（スナップショット）", "Data as of (snapshot)"),
    "f_lang": ("言語 / Language", "Language / 言語"),
    "latest": ("最新", "Latest"),
    "prefecture_suffix": ("（県全体）", " (whole prefecture)"),
    "bad_param": ("URLの「{key}」の値「{value}」は使えないため、既定値（{default}）で表示しています。",
                  "The URL value “{value}” for “{key}” is not valid; showing the default ({default})."),
    "year_clamped": ("選択したデータ時点では{year}のデータがないため、{shown}までのデータで表示しています。",
                     "The chosen snapshot has no data for {year}; showing data up to {shown}."),
    "no_data": ("表示できるデータがありません。", "No data to show."),
    "sample_banner": ("⚠ サンプル（架空）データを含みます：このページの数値の一部は説明用の架空の値で、"
                      "実際の実績ではありません。",
                      "⚠ Includes SAMPLE (fictional) data: some figures on this page are made up for "
                      "demonstration and are not real results."),
    "as_of_caption": ("データ時点：{label}（{id}）", "Data as of: {label} ({id})"),
    "status_counts": ("状況別の目標数", "Targets by status"),
    "targets_word": ("目標", "targets"),
    "progress_title": ("目標に対する進捗（基準値＝0%、目標値＝100%）",
                       "Progress to target (baseline = 0%, target = 100%)"),
    "progress_axis": ("基準値から目標値までの進捗（%）", "Share of the way from baseline to target (%)"),
    "expected_mark": ("現時点で見込まれる位置", "Expected by now"),
    "met_at_baseline": ("基準時点で達成", "met at baseline"),
    "target_line": ("目標（100%）", "Target (100%)"),
    "col_target": ("目標", "Target"),
    "col_status": ("状況", "Status"),
    "col_baseline": ("基準値", "Baseline"),
    "col_actual": ("最新実績", "Latest actual"),
    "col_actual_year": ("実績年度", "Year of actual"),
    "col_target_value": ("目標値", "Target value"),
    "col_progress": ("進捗", "Progress"),
    "col_data": ("データ", "Data"),
    "official": ("公式", "Official"),
    "sample": ("サンプル（架空）", "Sample (fictional)"),
    "open_area": ("詳しく見る：{name}", "Details: {name}"),
    "headline": ("目標の進捗", "Progress on targets"),
    "no_targets_area": ("この分野には計画上の数値目標がありません。取組の実績を表示します。",
                        "The plan sets no numeric targets for this area; activity figures are shown instead."),
    "trends": ("推移", "Trends"),
    "actual": ("実績", "Actual"),
    "target_point": ("目標値", "Target"),
    "path": ("基準値→目標値の直線", "Straight path baseline → target"),
    "projection": ("現在のペースでの見通し", "Current pace projected"),
    "national": ("全国平均", "National average"),
    "reached_done": ("目標達成済み", "Target already met"),
    "reached_in": ("このペースでは{fy}に到達", "At this pace reached in {fy}"),
    "reached_late": ("このペースでは{fy}に到達（目標年度より後）",
                     "At this pace reached in {fy} (after the target year)"),
    "reached_never": ("このペースでは到達しない", "Not reached at this pace"),
    "benchmark_note": ("県全体の目標を目安として表示（市町村別の目標はありません）",
                       "The prefecture target is shown as a benchmark (no municipal targets)."),
    "count_no_target_note": ("この地域には件数の目標がありません（県全体の目標のみ）。",
                             "No count target for this place (the plan's targets are prefecture-wide)."),
    "comparison": ("市町村比較", "Municipal comparison"),
    "comparison_indicator": ("比較する指標", "Indicator to compare"),
    "prefecture_only": ("この指標は県全体の値のみで、市町村別の値はありません。",
                        "This indicator exists only for the prefecture as a whole."),
    "per_1000": ("65歳以上1,000人あたり", "per 1,000 aged 65+"),
    "col_municipality": ("市町村", "Municipality"),
    "col_area": ("老人福祉圏域", "Elderly-welfare area"),
    "col_value": ("値", "Value"),
    "col_pop65": ("65歳以上人口", "Population 65+"),
    "col_share": ("県全体に占める割合", "Share of prefecture"),
    "col_vs_benchmark": ("目安に対する水準", "Level vs benchmark"),
    "col_rank": ("順位", "Rank"),
    "rank_title": ("{name}（{fy}）", "{name} ({fy})"),
    "map": ("地図", "Map"),
    "map_tiles": ("タイル地図", "Tile map"),
    "map_geo": ("行政区域の地図", "Boundary map"),
    "tile_map_note": ("1市町村＝1マス（おおよその位置）", "One tile per municipality (approximate position)"),
    "choropleth_note": ("「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
                        "Boundaries: 国土数値情報（行政区域データ）(MLIT), processed"),
    "matrix_title": ("一体的実施を行っている市町村（年度別）",
                     "Municipalities running integrated implementation, by year"),
    "matrix_count": ("実施 {n}市町村", "{n} implementing"),
    "matrix_plan": ("（計画 {n}）", "(plan: {n})"),
    "implemented": ("実施", "Yes"),
    "not_implemented": ("未実施", "No"),
    "scores_title": ("{name}：全国平均との比較", "{name}: compared with the national average"),
    "profile_pick": ("市町村を選んでください", "Choose a municipality"),
    "profile_pick_note": ("市町村カルテは市町村ごとの表示です。地域フィルタで市町村を選ぶか、下から選んでください。",
                          "The profile shows one municipality: choose one in the place filter or below."),
    "profile_side": ("市町村・圏域・県の比較（{fy}）", "Municipality, area and prefecture ({fy})"),
    "profile_contrib": ("県の目標への寄与", "Contribution to prefecture targets"),
    "profile_trends": ("推移（市町村・圏域・県）", "Trends (municipality, area, prefecture)"),
    "col_indicator": ("指標", "Indicator"),
    "col_unit": ("単位", "Unit"),
    "col_cmp_unit": ("比較の単位", "Compared as"),
    "col_definition": ("定義", "Definition"),
    "col_source": ("出典", "Source"),
    "meth_snapshots": ("使用しているデータ（スナップショット）", "Snapshots in use"),
    "meth_indicators": ("指標の定義", "Indicator definitions"),
    "meth_targets": ("計画の目標", "Plan targets"),
    "meth_status": ("進捗と状況の判定方法", "How progress and status are computed"),
    "meth_licence": ("出典・ライセンス", "Sources, licences and attribution"),
    "col_id": ("ID", "ID"),
    "col_label": ("名称", "Label"),
    "col_kind": ("種類", "Kind"),
    "col_created": ("作成日時", "Created"),
    "col_rows": ("行数", "Rows"),
    "col_in_view": ("この時点で使用", "Used at this point"),
    "col_withdrawn": ("取り下げ", "Withdrawn"),
    "yes": ("はい", "yes"),
    "no": ("いいえ", "no"),
    "status_method": (
        "進捗率＝（最新実績－基準値）÷（目標値－基準値）。基準値が0%、目標値が100%です。"
        "「現時点で見込まれる位置」は基準年度から目標年度までを直線で結んだときの最新実績年度の位置です。\n\n"
        "状況は Open SDG／カナダ統計局の方式で判定します：基準年度から最新実績までの年平均伸び率（CAGR）を、"
        "目標達成に必要な年平均伸び率で割った比が 0.95以上＝順調、0.6以上＝やや遅れ、0以上＝遅れ、0未満＝後退。"
        "目標値に達していれば目標達成、基準年度より後の実績がなければ評価できない。"
        "基準値が0の場合や期間合計の目標は、年あたりの増加量の比で同じ基準を使います。"
        "「全国平均を上回る」目標は、全国平均を上回り、かつ目標得点率に達したときに達成です。\n\n"
        "県の目標は県全体のものです。圏域・市町村では、率と得点の目標は目安として同じ方法で判定し、"
        "件数の目標には市町村別の割り振りがないため、実績・県全体に占める割合・65歳以上1,000人あたりの値を示します。",
        "Progress = (latest actual − baseline) ÷ (target − baseline): baseline is 0%, target is 100%. "
        "“Expected by now” is where a straight line from baseline to target stands in the latest actual's year.\n\n"
        "Status follows the Open SDG / Statistics Canada method: the compound annual growth rate achieved since "
        "the baseline divided by the rate needed to reach the target on time: ≥ 0.95 substantial progress, "
        "≥ 0.6 moderate, ≥ 0 limited, < 0 deterioration; target achieved once met; not available without an "
        "actual after the baseline. With a zero baseline or period totals the same thresholds apply to the "
        "ratio of average yearly change. “Above the national average” targets are met when the value is "
        "above the national average and at the target rate.\n\n"
        "The plan's targets are prefecture-wide. For an area or a municipality, rate and score targets serve as "
        "benchmarks with the same method; count targets have no municipal split, so the place's actual, its "
        "share of the prefecture and its rate per 1,000 aged 65+ are shown."),
    "licence_text": (
        "- 人口：出典　総務省「住民基本台帳に基づく人口、人口動態及び世帯数調査」（CC BY 4.0 互換の政府標準利用規約）\n"
        "- 市町村コード・名称・位置：japancode（MIT License）、総務省 全国地方公共団体コード\n"
        "- 市町村・老人福祉圏域の境界（地図）：「国土数値情報（行政区域データ）」（国土交通省）を加工して作成\n"
        "- 目標値と計画の実績値：群馬県高齢者保健福祉計画（第8期）第2章\n"
        "- サンプル（架空）スナップショットの市町村別の値は説明用に生成した架空の値です。",
        "- Population: 総務省「住民基本台帳に基づく人口、人口動態及び世帯数調査」 "
        "(MIC; terms compatible with CC BY 4.0)\n"
        "- Municipality codes, names and positions: japancode (MIT License), MIC local government codes\n"
        "- Municipal and 老人福祉圏域 boundaries (maps): "
        "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成\n"
        "- Targets and plan actuals: Gunma Prefecture elderly-care plan (8th period), Chapter 2\n"
        "- Municipal values in sample (fictional) snapshots are generated for demonstration only."),
    "sources_file": ("参照データの出典の詳細（data/reference/SOURCES.md）",
                     "Reference data sources in detail (data/reference/SOURCES.md)"),
    "kind_official": ("公式", "official"),
    "kind_sample": ("サンプル（架空）", "sample (fictional)"),
    "area_word": ("圏域", "area"),
    "pop65_word": ("65歳以上人口", "Population 65+"),
    "aging_word": ("高齢化率", "Ageing rate"),
    "fiscal_year_axis": ("年度", "Fiscal year"),
    # --- coverage of roll-ups, non-finite values, exports ---
    "coverage_of": ("{of}市町村中{n}市町村の報告", "{n} of {of} municipalities reporting"),
    "provisional_of": ("{of}市町村中{n}市町村の報告（暫定）", "provisional: {n} of {of} municipalities reporting"),
    "col_publisher": ("公開者", "Published by"),
    "coverage_short": ("報告{n}/{of}市町村", "{n}/{of} municipalities reporting"),
    "provisional_heading": ("暫定値（報告が揃っていないため判定に使っていない値）",
                            "Provisional figures (not every municipality reported; not used to judge progress)"),
    "provisional_value": ("{fy}：{value}（{cov}）", "{fy}: {value} ({cov})"),
    "col_coverage": ("報告した市町村", "Municipalities reporting"),
    "col_provisional": ("暫定値（報告が揃っていない年度）", "Provisional (not every municipality reported)"),
    "provisional_trace": ("暫定（報告が揃っていない年度）", "Provisional (not every municipality reported)"),
    "provisional_sentence": ("{fy}の{value}は{cov}の値のため、進捗の判定には使っていません。",
                             "The {fy} figure of {value} is {cov}, so it is not used to judge progress."),
    "meth_coverage": ("圏域・県の集計値と市町村の報告数",
                      "Area and prefecture roll-ups and how many municipalities reported"),
    "coverage_method": (
        "圏域・県の値は、県や圏域について公表された値（市町村コード10000など）があればそれを正とし、"
        "なければ市町村の値を集計して求めます。集計値には「35市町村中35市町村の報告」のように、報告した市町村の数を"
        "表・グラフ・要約・CSV/Excel・スライド・説明資料・コマンドラインのすべてに添えます。"
        "すべての市町村の報告が揃っていない年度の集計値は「暫定」として示すだけで、進捗の判定や見出しの数値には使わず、"
        "報告が揃った最新の年度の値で判定します。\n\n"
        "値は有限の数だけを使います。NaNや無限大、集計で桁あふれした値は欠測として扱い、画面・出力では空欄（－）になります。",
        "Area and prefecture figures: a figure published for the place itself (e.g. municipality code 10000 for "
        "the prefecture) is authoritative and wins; otherwise the municipalities' values are rolled up. Every "
        "roll-up carries how many municipalities reported (“35 of 35 municipalities reporting”) in tables, "
        "charts, summaries, CSV/Excel, slides, the briefing and the command line. A roll-up that not every "
        "municipality reported is shown as provisional only: it never gets a status and is never the headline, "
        "which uses the latest year every municipality reported.\n\n"
        "Only finite numbers are used: NaN, infinity and roll-ups that overflow count as missing and show as "
        "blank (–) on screen and in exports."),

    # --- bounds and readers (validation) ---

    # --- login, upload page, data folder ---
    "data_title": ("データを読み込めません", "The data cannot be read"),
    "data_restart": ("設定を変えたら、サーバーを再起動してください。",
                     "After changing the setting, restart the server."),
    "data_missing": ("データフォルダ「{path}」が見つかりません。環境変数 GUNMA_DATA_DIR に、snapshots/ フォルダを含む"
                     "データフォルダを指定してください（未設定ならリポジトリ同梱の data/ を使います）。",
                     "The data folder “{path}” does not exist. Set GUNMA_DATA_DIR to the data folder that holds "
                     "snapshots/ (when unset, the bundled data/ is used)."),
    "data_not_folder": ("「{path}」はフォルダではなくファイルです。環境変数 GUNMA_DATA_DIR に、snapshots/ フォルダを"
                        "含むデータフォルダを指定してください。",
                        "“{path}” is a file, not a folder. Set GUNMA_DATA_DIR to the data folder that holds "
                        "snapshots/."),
    "data_unreadable": ("データフォルダ「{path}」を読めません（アクセス権がないか、読み取りに失敗しました）。"
                        "サーバーを動かすユーザーに読み取り権限を与えるか、GUNMA_DATA_DIR を読めるフォルダに"
                        "変えてください。",
                        "The data folder “{path}” cannot be read (permission refused or a read error). Give the "
                        "user running the server read access, or point GUNMA_DATA_DIR to a readable folder."),
    "data_no_snapshots": ("データフォルダ「{path}」に snapshots/ フォルダがありません。GUNMA_DATA_DIR が正しい"
                          "フォルダ（同梱の data/ など）を指しているか確認してください。データなしで始める場合は"
                          "その中に空の snapshots/ フォルダを作ってください。",
                          "The data folder “{path}” has no snapshots/ folder. Check that GUNMA_DATA_DIR points to "
                          "the right folder (such as the bundled data/); to start without data, create an empty "
                          "snapshots/ folder in it."),
    "login_password_refused": ("スナップショットの保存先が複数のサーバーで共有されている（GUNMA_STORE=s3://…）ため、"
                               "パスワードでのログインは使えません（ログイン試行の制限がサーバーをまたいで働かない"
                               "ため）。.streamlit/secrets.toml に [auth]（OIDC、st.login）と [upload] analysts "
                               "を設定してください。",
                               "Password login is not available because the snapshot store is shared by several "
                               "servers (GUNMA_STORE=s3://…): the limit on login attempts cannot hold across "
                               "servers. Configure [auth] (OIDC, st.login) and [upload] analysts in "
                               ".streamlit/secrets.toml."),
    "login_no_analysts": ("分析担当者が登録されていないため、誰もデータ更新できません。.streamlit/secrets.toml の "
                          "[upload] analysts に、許可するメールアドレス（または「@ドメイン」）を書いてください。",
                          "No analysts are listed, so nobody can upload. List the allowed e-mail addresses (or "
                          "“@domain”) under [upload] analysts in .streamlit/secrets.toml."),
    "login_not_analyst": ("ログイン中のアカウントは分析担当者として登録されていないため、データ更新はできません。"
                          "管理者に [upload] analysts への追加を依頼するか、ログアウトして別のアカウントで"
                          "ログインしてください。",
                          "The account you are signed in with is not listed as an analyst, so you cannot upload. "
                          "Ask the administrator to add it to [upload] analysts, or log out and sign in with "
                          "another account."),
    "login_unavailable": ("ログイン試行の記録（{path}）に書き込めないため、ログインを受け付けられません。"
                          "管理者に連絡してください。",
                          "Logins cannot be accepted because the record of login attempts ({path}) cannot be "
                          "written. Contact the administrator."),
    "login_reload_note": ("パスワードでのログインはこのブラウザ画面の間だけ有効です（再読み込みするとログアウト"
                          "します）。",
                          "A password login lasts as long as this browser page (reloading logs you out)."),
    "logged_out": ("ログアウトしました。", "You have logged out."),
    "kind_needed": ("種別（公式またはサンプル）を選んでから公開してください。",
                    "Choose the kind (official or sample) before publishing."),

    # --- hosting: object store, replicas ---
    "store_unavailable": ("共有データストア（{url}）に接続できません。表示は最後に取得した状態のままです。"
                          "しばらくしてからもう一度お試しください。",
                          "The shared data store ({url}) cannot be reached; pages show the last state read. "
                          "Try again shortly."),
    "store_copy_done": ("{n}件のスナップショット（取り下げ・復元の記録を含む）を{src}から{dst}へコピーしました。",
                        "Copied {n} snapshots (with withdrawals and restorations) from {src} to {dst}."),
    "store_copy_not_empty": ("コピー先{dst}にはすでにスナップショットがあります。"
                             "空のフォルダまたはプレフィックスを指定してください。",
                             "{dst} already holds snapshots; copy into an empty folder or prefix."),

    # --- serving cost: exports on demand ---
    "export_chart": ("出力（PNG・CSV・Excel）", "Export (PNG, CSV, Excel)"),
    "export_table": ("出力（CSV・Excel）", "Export (CSV, Excel)"),
    "export_reports": ("スライド（PowerPoint）・1枚の説明資料（A4）", "Slides (PowerPoint), one-page briefing (A4)"),
    "export_help": ("開くとダウンロードボタンが表示されます。ファイルはクリックしたときに作成されます。",
                    "Opens the download buttons; each file is made when you click it."),

    # --- wave 2 A: back end ---
    "svc_unknown_place": ("不明な地域です: {place}（10000、圏域コード K01–K10、または市町村コードを指定してください）",
                          "unknown place: {place} (use 10000, a 圏域 code K01–K10, or a municipality code)"),
    "svc_unknown_snapshot": ("不明なスナップショットです: {snapshot}", "unknown snapshot: {snapshot}"),
    "svc_no_such_file": ("ファイルがありません: {path}", "no such file: {path}"),
    "svc_withdraw_refused": ("{snapshot}: {reason}", "{snapshot}: {reason}"),
    "cli_provisional": ("暫定 {target}: {text}", "provisional {target}: {text}"),
    "cli_error": ("エラー: {message}", "ERROR: {message}"),
    "cli_warning": ("警告: {message}", "WARNING: {message}"),
    "cli_more_problems": ("（ほかに同種の指摘が{n:,}件あります）", "(and {n:,} more of the same kinds)"),
    "cli_ok": ("OK: {file}（{rows:,}行）", "OK: {file} ({rows:,} rows)"),
    "cli_invalid": ("NG: {n:,}件の問題があります。", "INVALID: {n:,} problems."),
    "cli_not_published": ("公開しませんでした（エラーを直してください）。", "Not published (fix the errors)."),
    "report_title_deck": ("群馬県 高齢者保健福祉計画 第2章 進捗報告",
                          "Gunma elderly-care plan, Chapter 2: progress report"),
    "report_title_briefing": ("進捗の概要（1枚）：{place}", "Progress briefing: {place}"),

    # --- wave 2 B: view model and registry ---
    "f_plan": ("計画期間", "Plan period"),
    "plan_caption": ("目標：{plan}", "Targets: {plan}"),

    # --- wave 2 C: charts, paper, formats ---
    # One vocabulary of status words (the Open SDG names the methodology page explains): chips, tables,
    # charts, summaries and exports all read these.
    "status_achieved": ("目標達成", "Target achieved"),
    "status_substantial": ("順調（目標達成ペース）", "Substantial progress"),
    "status_moderate": ("やや遅れ", "Moderate progress"),
    "status_limited": ("遅れ", "Limited progress"),
    "status_deterioration": ("後退", "Deterioration"),
    "status_not_available": ("評価できない（データなし）", "Not available"),
    "status_no_target": ("市町村別の目標なし", "No target for this place"),
    "status_tally": ("目標{n}件のうち、{body}です。", "Of {n} targets — {body}."),
    "status_tally_item": ("{status}{n}件", "{status}: {n}"),
    "list_sep": ("、", "; "),
    "below_national": ("全国平均未満", "below national average"),
    "below_national_note": ("目標値には届いていますが、全国平均を下回っているため達成ではありません。",
                            "The target value is reached, but the value is below the national average, "
                            "so the target is not yet met."),
    "flag_yes": ("実施", "Yes"),
    "flag_no": ("未実施", "No"),
    "flag_axis": ("実施状況", "In place"),
    "continued": ("（続き）", " (continued)"),
    "laggards_first": ("遅れている順", "Laggards first"),
    "leaders_first": ("進んでいる順", "Leaders first"),
    "comparison_order": ("並び順", "Order"),
    "label_value": ("{label}：{value}", "{label}: {value}"),

    # --- H5 (moved into the gettext catalogue when it lands) ---
    "profile_tab_side": ("市町村・圏域・県の比較", "Municipality, area and prefecture"),
    "col_policy_area": ("施策分野", "Policy area"),
    "choose": ("選んでください", "Choose"),
    "col_severity": ("種類", "Severity"),
    "severity_error": ("エラー", "Error"),
    "severity_warning": ("警告", "Warning"),
    "col_row": ("行", "Row"),
    "col_column": ("列", "Column"),
    "col_rule": ("規則", "Rule"),
    "col_message": ("内容", "Message"),
    "col_indicator_id": ("指標ID", "Indicator ID"),
    "change_add": ("追加", "Added"),
    "change_revise": ("修正", "Revised"),
    "change_same": ("変更なし", "Unchanged"),
    "change_untouched": ("対象外（そのまま）", "Left alone"),
    "col_old_value": ("修正前の値", "Old value"),
    "col_new_value": ("修正後の値", "New value"),
    "col_old_snapshot": ("修正前の値のスナップショット", "Snapshot of the old value"),
    "col_sha256": ("SHA-256", "SHA-256"),
    "col_source_file": ("元のファイル名", "Source file"),
    "col_at": ("日時（UTC）", "When (UTC)"),
    "col_snapshot": ("スナップショット", "Snapshot"),
    "col_action": ("操作", "Action"),
    "action_withdraw": ("取り下げ", "Withdrawn"),
    "action_restore": ("復元", "Restored"),
    "col_who": ("実施者", "By"),
    "col_reason": ("理由", "Reason"),
    "snapshot_withdrawn": ("{id}（取り下げ済み）", "{id} (withdrawn)"),

}


def t(key: str, lang: str = "ja", /, **kwargs: object) -> str:
    """The string for `key` in `lang`, formatted with kwargs."""
    ja, en = STRINGS[key]
    text = ja if lang == "ja" else en
    return text.format(**kwargs) if kwargs else text
