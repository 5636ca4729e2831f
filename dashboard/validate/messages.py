"""The words of validation: each rule's label and each problem's sentence (ja, en), and the one function
that puts a problem into words (at the edge: the CLI, the upload page, exports), from its rule id,
message id and parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.validate.model import Problem

RULE_LABELS: dict[str, tuple[str, str]] = {
    "empty_file": ("空のファイル", "empty file"),
    "too_large": ("ファイルサイズ上限", "file size limit"),
    "unsupported_type": ("ファイル形式", "file type"),
    "not_parquet": ("Parquet形式", "Parquet format"),
    "parquet_truncated": ("Parquet形式", "Parquet format"),
    "parquet_unreadable": ("Parquet形式", "Parquet format"),
    "not_csv": ("CSV形式", "CSV format"),
    "csv_encoding": ("文字コード", "text encoding"),
    "csv_malformed": ("CSV形式", "CSV format"),
    "not_xlsx": ("Excel形式", "Excel format"),
    "xlsx_unreadable": ("Excel形式", "Excel format"),
    "decompression_bomb": ("展開後サイズ上限", "uncompressed size limit"),
    "memory_limit": ("メモリ上限", "memory limit"),
    "time_limit": ("時間制限", "time limit"),
    "too_many_rows": ("行数上限", "row limit"),
    "too_many_columns": ("列数上限", "column limit"),
    "no_rows": ("データ行なし", "no rows"),
    "missing_column": ("必須列", "required column"),
    "unexpected_column": ("想定外の列", "unexpected column"),
    "duplicate_column": ("列名の重複", "duplicate column"),
    "wrong_column_type": ("列の型", "column type"),
    "wrong_type": ("値の型", "value type"),
    "missing_value": ("必須値", "required value"),
    "unknown_indicator": ("指標ID", "indicator id"),
    "unknown_municipality": ("市町村コード", "municipality code"),
    "year_out_of_range": ("年度の範囲", "fiscal year range"),
    "duplicate_key": ("重複行", "duplicate key"),
    "nan": ("非数（NaN）", "NaN value"),
    "infinite": ("無限大", "infinite value"),
    "negative_count": ("負の件数", "negative count"),
    "rate_range": ("率の範囲（0～100）", "rate range (0–100)"),
    "score_range": ("点数の範囲（0～満点）", "score range (0–maximum)"),
    "flag_value": ("実施有無（0/1）", "yes/no flag (0/1)"),
    "note_too_long": ("備考の長さ", "note length"),
    "not_integer": ("整数", "whole number"),
    "above_maximum": ("値の上限", "maximum value"),
    "below_minimum": ("値の下限", "minimum value"),
    "flag_count_range": ("実施市町村数の範囲", "number of municipalities"),
    "above_reference": ("65歳以上人口などに対する上限", "bound relative to a reference such as the 65+ population"),
    "bound_reference_missing": ("相対上限の基準値なし", "no reference for the relative bound"),
    "coverage_partial": ("市町村の報告状況", "municipalities reporting"),
    "csv_line_too_long": ("1行の長さ", "line length"),
    "xlsx_too_many_cells": ("セル数上限", "cell limit"),
    "reader_failed": ("読み取り処理", "file reader"),
    "internal_error": ("検査処理", "validation"),
    "empty_value_skipped": ("未記入行", "rows left empty"),
    "large_jump": ("前年度からの大きな変化", "large change from previous year"),
    "large_revision": ("公開中の値の大きな修正", "large revision of a published value"),
    "sum_mismatch": ("市町村合計と県全体の不一致", "municipal sum vs prefecture total"),
}


# The sentence of each problem, by message id: whole-sentence templates with named placeholders, filled from
# the Problem's parameters when it is shown (Problem.message), never when it is found. A message id is its
# rule's id, or the rule's id and a number where one rule has several sentences.
MESSAGES: dict[str, tuple[str, str]] = {
    "above_maximum": ("「{name_ja}」としてありえない大きさです（上限{num_hi_}）。桁や単位の誤りが"
                      "ないか確認してください。",
                      "Implausibly large for “{name_en}” (the maximum is {num_hi_}). Check the digits "
                      "and the unit."),
    "above_reference": ("「{name_ja}」は同じ地域・年度の「{ref_ind_name_ja}」（{num_ref}）{bound_ja}を"
                        "超えられません。桁や地域・年度の誤りがないか確認してください。",
                        "“{name_en}” cannot exceed {times_en}“{ref_ind_name_en}” ({num_ref}) of the "
                        "same place and year, i.e. {bound}. Check the digits, the place and the year."),
    "below_minimum": ("「{name_ja}」の下限（{num_lo_}）を下回っています。",
                      "Below the minimum of “{name_en}” ({num_lo_})."),
    "bound_reference_missing": ("「{name_ja}」の{part_height:,}行（例：{municipality} {year}年度）"
                                "は、同じ地域・年度の「{ref_ind_name_ja}」がファイルにも公開済みデ"
                                "ータにもないため、それに対する上限を確かめられませんでした（固定"
                                "の上限{fixed_max}は確認済み）。",
                                "{part_height:,} row{plural_s} of “{name_en}” (e.g. {municipality} "
                                "FY{year}) could not be checked against “{ref_ind_name_en}” of the "
                                "same place and year, which is neither in the file nor published "
                                "(the fixed maximum {fixed_max} was checked)."),
    "coverage_partial": ("「{ind_name_ja}」{y}年度：このファイルと公開済みデータを合わせても{total}市"
                         "町村中{n}市町村分しかありません（未報告：{names_ja}）。県・圏域の値は一"
                         "部の市町村だけの集計（暫定）になります。",
                         "“{ind_name_en}” FY{y}: with this file and the published data, only {n} "
                         "of {total} municipalities report (missing: {names_en}). Prefecture and "
                         "area figures would be partial (provisional)."),
    "csv_encoding": ("CSVの文字コードを読み取れません。UTF-8（またはShift_JIS）で保存してください"
                     "。",
                     "Cannot decode the CSV text. Save it as UTF-8 (or Shift_JIS)."),
    "csv_line_too_long": ("{where_ja}が長すぎます（{line_chars:,}文字、上限{limits_max_line_chars:,}文"
                          "字）。区切り（カンマ・改行）が正しいか、1つのセルに大量の文字が入ってい"
                          "ないか確認してください。",
                          "{where_en} is too long ({line_chars:,} characters; the limit is {limits_max_line_chars:,}). "
                          "Check the separators (commas, line breaks) and that no cell holds a huge "
                          "text."),
    "csv_malformed": ("CSVの形が崩れています（{where_ja}列の数が見出しと合わない、引用符が閉じてい"
                      "ない等）。{detail_ja}",
                      "The CSV is malformed ({where_en}a row with more or fewer fields than the header, "
                      "or an unclosed quote). {detail_en}"),
    "decompression_bomb": ("展開後のデータが大きすぎます（{size}超、上限{limit_size}）。圧縮率が極"
                           "端に高いファイルのため読み込みを中止しました。",
                           "The data expands to more than {size} (limit {limit_size}): an extremely "
                           "compressed file; reading was stopped."),
    "decompression_bomb_2": ("展開後のデータが大きすぎます（約{declared_size}、上限{limit_size}）"
                             "。圧縮率が極端に高いファイルのため読み込みを中止しました。",
                             "The workbook expands to {declared_size} (limit {limit_size}): an extremely "
                             "compressed file; reading was stopped."),
    "duplicate_column": ("列名が{n}回出てきます。列名は1回ずつにしてください。",
                         "The column name appears {n} times; each column must appear once."),
    "duplicate_key": ("同じ指標・市町村・年度の行が{f}行目にもあります（1組に1行だけにしてください"
                      "）。",
                      "Row {f} has the same indicator, municipality and fiscal year (one row per "
                      "combination)."),
    "empty_file": ("ファイルが空です（0バイト）。",
                   "The file is empty (0 bytes)."),
    "empty_value_skipped": ("値が空の行が{empty_height:,}行あり、取り込みから除きました（テンプレ"
                            "ートの未記入行）。例：{first}行目",
                            "{empty_height:,} rows have no value and were skipped (template rows "
                            "left empty), e.g. rows {first}."),
    "flag_count_range": ("「{name_ja}」の{where_ja}の値は実施している市町村の数なので、0～{n:,}の"
                         "範囲です（{where_ja}の市町村数は{n:,}）。",
                         "“{name_en}” for {where_en} is a number of municipalities, so it lies between "
                         "0 and {n:,} ({where_en} has {n:,} municipalities)."),
    "flag_value": ("実施の有無は0（なし）か1（あり）で入力してください。",
                   "A yes/no flag must be 0 (no) or 1 (yes)."),
    "infinite": ("値が無限大です。",
                 "The value is infinite."),
    "internal_error": ("検査の途中で予期しない問題が起きたため、このファイルは公開できません。ファ"
                       "イルの内容を確認し、解決しない場合は担当者に連絡してください。",
                       "An unexpected problem stopped the check, so this file cannot be published. "
                       "Check the file; if that does not help, contact the maintainers."),
    "large_jump": ("前年度（{previous_year}年度）の{shown_old}から{pct_old_new}変化しています。誤"
                   "りでないか確認してください。",
                   "Changes by {pct_old_new} from {shown_old} in the previous fiscal year ({previous_year}). "
                   "Please check."),
    "large_revision": ("公開中の値{shown_old}を{pct_old_new}変更します。誤りでないか確認してくださ"
                       "い。",
                       "Revises the published value {shown_old} by {pct_old_new}. Please check."),
    "memory_limit": ("読み込みに必要なメモリが上限（{limit_size}）を超えたため中止しました。展開す"
                     "ると非常に大きくなるファイルです。ファイルを分けるか、内容を確認してください"
                     "。",
                     "Reading needed more memory than the limit ({limit_size}) and was stopped: the "
                     "file expands to a very large size. Split the file or check its content."),
    "memory_limit_2": ("読み込みに必要なメモリが上限（{limits_memory_limit}）を超えたため中止しま"
                       "した。展開すると非常に大きくなるファイルです。ファイルを分けるか、内容を確"
                       "認してください。",
                       "Reading needed more memory than the limit ({limits_memory_limit}) and was "
                       "stopped: the file expands to a very large size. Split the file or check its "
                       "content."),
    "missing_column": ("必須の列がありません。",
                       "A required column is missing."),
    "missing_value": ("値が空です。必ず入力してください。",
                      "The value is empty; it is required."),
    "nan": ("値がNaN（非数）です。数値を入力するか、行を削除してください。",
            "The value is NaN (not a number); enter a number or drop the row."),
    "negative_count": ("人数・件数の指標に負の値は使えません。",
                       "A count cannot be negative."),
    "no_rows": ("データ行がありません。",
                "The file has no data rows."),
    "no_rows_2": ("値の入った行がありません。",
                  "No row has a value."),
    "no_rows_3": ("見出し行もデータ行もありません。",
                  "There is neither a header line nor any data row."),
    "no_rows_4": ("データ行がありません（見出し行だけです）。",
                  "There are no data rows (only the header line)."),
    "no_rows_5": ("見出し行もデータ行もありません。",
                  "There is neither a header row nor any data row."),
    "no_rows_6": ("データ行がありません（見出し行だけです）。",
                  "There are no data rows (only the header row)."),
    "not_csv": ("拡張子は {ext} ですが、中身はCSV（テキスト）ではありません（{ja}のようです）。",
                "The name ends in {ext} but the content is not CSV text (it looks like {en})."),
    "not_integer": ("「{name_ja}」は人数・件数なので整数で入力してください。",
                    "“{name_en}” is a count: enter a whole number."),
    "not_integer_2": ("「{name_ja}」の{where_ja}の値は実施している市町村の数です。0～{n:,}の整数で"
                      "入力してください。",
                      "“{name_en}” for {where_en} is a number of municipalities: enter a whole number "
                      "from 0 to {n:,}."),
    "not_parquet": ("拡張子は .parquet ですが、中身はParquetではありません（{ja}のようです）。正し"
                    "い形式で保存するか、拡張子を直してください。",
                    "The name ends in .parquet but the content is not Parquet (it looks like {en}). "
                    "Save it in the right format or fix the extension."),
    "not_xlsx": ("拡張子は .xlsx ですが、中身はExcelブックではありません（{ja}のようです）。",
                 "The name ends in .xlsx but the content is not an Excel workbook (it looks like "
                 "{en})."),
    "note_too_long": ("備考が長すぎます（上限{limits_note_max_chars:,}文字）。",
                      "The note is too long (limit {limits_note_max_chars:,} characters)."),
    "parquet_truncated": ("Parquetファイルが途中で切れているか壊れています（末尾の目印「PAR1」があ"
                          "りません）。もう一度書き出してアップロードしてください。",
                          "The Parquet file is truncated or damaged (its closing “PAR1” marker is "
                          "missing). Export and upload it again."),
    "parquet_unreadable": ("Parquetファイルの末尾にある構造情報（フッター）が壊れていて読めません"
                           "。元のソフトで書き出し直してください。",
                           "The Parquet file's structure information (its footer) is damaged and "
                           "cannot be read. Export it again from the original software."),
    "parquet_unreadable_2": ("Parquetファイルの文字列の列が壊れていて読めません。元のソフトで書き"
                             "出し直してください。",
                             "A text column of the Parquet file is damaged and cannot be read. Export "
                             "it again from the original software."),
    "parquet_unreadable_3": ("Parquetファイルのデータ部分が壊れているか、対応していない形式で圧縮"
                             "・符号化されていて読めません。元のソフトで書き出し直してください。",
                             "The Parquet file's data is damaged, or compressed or encoded in a way "
                             "that is not supported. Export it again from the original software."),
    "rate_range": ("率（%）は{num_lo_}～{num_hi_}の範囲で入力してください（例：6.1%は6.1）。",
                   "A rate (%) must be between {num_lo_} and {num_hi_} (e.g. 6.1% is 6.1)."),
    "reader_failed": ("ファイルの読み取り処理が途中で止まりました（メモリ上限に達したか、読み取れ"
                      "ない内容です）。ファイルを書き出し直すか、内容を確認してください。",
                      "The file reader stopped part-way (it reached its memory limit or met content "
                      "it cannot read). Export the file again or check its content."),
    "score_range": ("点数が{num_lo_}～満点（{num_hi_}点）の範囲外です。",
                    "The score is outside {num_lo_} to the maximum ({num_hi_} points)."),
    "sum_mismatch": ("「{ind_name_ja}」{y}年度：同じファイルの市町村の合計{shown_s}{part_ja}が県全"
                     "体の値{shown_total}と合いません。",
                     "“{ind_name_en}” FY{y}: the municipal values in this file sum to {shown_s}{part_en}, "
                     "not the prefecture total {shown_total}."),
    "time_limit": ("読み込みと検査が制限時間（{limits_seconds:g}秒）を超えたため中止しました。ファ"
                   "イルを分けるか、CSVかParquetで保存し直してください。",
                   "Reading and checking took longer than the limit ({limits_seconds:g} s) and was "
                   "stopped. Split the file, or save it as CSV or Parquet."),
    "time_limit_2": ("読み込みが制限時間（{limits_seconds:g}秒）を超えたため中止しました。",
                     "Reading took longer than the limit ({limits_seconds:g} s) and was stopped."),
    "time_limit_3": ("Excelブックの読み込みが制限時間（{limits_seconds:g}秒）を超えたため中止しま"
                     "した。CSVかParquetで保存し直すか、ファイルを分けてください。",
                     "Reading the Excel workbook took longer than the limit ({limits_seconds:g} s) "
                     "and was stopped. Save it as CSV or Parquet, or split the file."),
    "too_large": ("ファイルが大きすぎます（{size}、上限{limit_size}）。ファイルを分けてください。",
                  "The file is too large ({size}; the limit is {limit_size}). Split the file."),
    "too_large_2": ("ファイルが大きすぎます（{size}、上限{limit_size}）。ファイルを分けてください"
                    "。",
                    "The file is too large ({size}; the limit is {limit_size}). Split the file."),
    "too_many_columns": ("列が多すぎます（{num_cols}列、上限{limits_max_columns}列）。",
                         "Too many columns ({num_cols}; the limit is {limits_max_columns})."),
    "too_many_columns_2": ("列が多すぎます（{len_header}列、上限{limits_max_columns}列）。",
                           "Too many columns ({len_header}; the limit is {limits_max_columns})."),
    "too_many_rows": ("行数が多すぎます（{num_rows:,}行、上限{limits_max_rows:,}行）。ファイルを分"
                      "けてください。",
                      "Too many rows ({num_rows:,}; the limit is {limits_max_rows:,}). Split the "
                      "file."),
    "too_many_rows_2": ("行数が多すぎます（約{n_lines:,}行、上限{limits_max_rows:,}行）。ファイル"
                        "を分けてください。",
                        "Too many rows (about {n_lines:,}; the limit is {limits_max_rows:,}). Split "
                        "the file."),
    "too_many_rows_3": ("Excelの行数が多すぎます（上限{limits_max_xlsx_rows:,}行）。CSVかParquetに"
                        "するか、ファイルを分けてください。",
                        "Too many rows for an Excel upload (limit {limits_max_xlsx_rows:,}). Use "
                        "CSV or Parquet, or split the file."),
    "unexpected_column": ("想定外の列です。使える列は {listed}（ほかに説明用の {ignored_ja} は読み"
                          "飛ばします）。",
                          "Unexpected column. Allowed columns: {columns} (the helper columns {ignored_en} "
                          "are accepted and ignored)."),
    "unexpected_column_2": ("見出しのない列に値があります。",
                            "A column without a header holds values."),
    "unknown_indicator": ("カタログにない指標IDです（テンプレートの指標IDを使ってください）。",
                          "This indicator id is not in the catalog (use the ids from the template)."),
    "unknown_municipality": ("不明な市町村コードです（群馬県の35市町村の5桁コード、県全体は10000、"
                             "全国は00000）。",
                             "Unknown municipality code (the 5-digit code of one of Gunma's 35 municipalities, "
                             "10000 for the prefecture, 00000 for the national figure)."),
    "unsupported_type": ("古いExcel形式（.xls）は読めません。Excelで「.xlsx」形式で保存し直してく"
                         "ださい。",
                         "Old Excel files (.xls) are not supported. Save the workbook as .xlsx in "
                         "Excel."),
    "unsupported_type_2": ("対応していないファイル形式です。Parquet（.parquet）、CSV（.csv）、Excel（"
                           ".xlsx）のいずれかにしてください。",
                           "Unsupported file type. Use Parquet (.parquet), CSV (.csv) or Excel (.xlsx)."),
    "wrong_column_type": ("列の型が{dt}です。{exp_ja}にしてください。",
                          "The column's type is {dt}; it must be {exp_en}."),
    "wrong_type": ("{exp_ja}ではありません{hint_ja}。",
                   "Not {exp_en}{hint_en}."),
    "xlsx_too_many_cells": ("Excelブックのセルが上限（{limits_max_xlsx_cells:,}個）を超えています"
                            "（{n_cells:,}個まで数えて中止）。不要な列や行を削除するか、CSVかParquetで"
                            "保存してください。",
                            "The workbook has more cells than the limit of {limits_max_xlsx_cells:,} "
                            "(counting stopped at {n_cells:,}). Delete unneeded rows and columns, "
                            "or save it as CSV or Parquet."),
    "xlsx_unreadable": ("Excelブックとして読めません（ZIP構造が壊れています）。",
                        "Cannot read the Excel workbook (its zip structure is damaged)."),
    "xlsx_unreadable_2": ("Excelブックのシートが壊れていて読めません（圧縮データを展開できません）"
                          "。Excelで開いて「.xlsx」形式で保存し直してください。",
                          "A sheet of the Excel workbook is damaged (its compressed data cannot be "
                          "expanded). Open it in Excel and save it again as .xlsx."),
    "xlsx_unreadable_3": ("Excelブックの構造（ブック・シートの定義）が壊れていて読めません。Excelで"
                          "開いて「.xlsx」形式で保存し直してください。",
                          "The Excel workbook's structure (its workbook or sheet definitions) is "
                          "damaged. Open it in Excel and save it again as .xlsx."),
    "xlsx_unreadable_4": ("Excelシートのセルの内容が壊れていて読めません。Excelで開いて「.xlsx」形"
                          "式で保存し直してください。",
                          "The cells of the Excel sheet are damaged and cannot be read. Open the "
                          "workbook in Excel and save it again as .xlsx."),
    "year_out_of_range": ("年度が範囲外です（{lo}～{hi}年度の西暦で入力してください）。",
                          "Fiscal year out of range ({lo}–{hi}, Western calendar)."),
}


LANGS = ("ja", "en")  # the order of the two sentences in RULE_LABELS, MESSAGES and PARTS

# The frame every problem is shown in: where it is (row, file line, column, value), joined, then the sentence
# and the rule's label.
PARTS: dict[str, tuple[str, str]] = {
    "row": ("{row}行目", "Row {row}"),
    "row_line": ("{row}行目（ファイルの{line}行目）", "Row {row} (line {line} of the file)"),
    "column": ("列「{column}」", "column “{column}”"),
    "value": ("値「{value}」", "value “{value}”"),
    "empty_value": ("値「（空）」", "value “(empty)”"),
    "join": ("・", ", "),
    "located": ("{where}：{body}［規則：{label}］", "{where}: {body} [rule: {label}]"),
    "whole": ("{body}［規則：{label}］", "{body} [rule: {label}]"),
}


def render(p: Problem, lang: str) -> str:
    """A problem in words: where it is, its sentence and its rule's label, in the given language."""
    k = LANGS.index(lang) if lang in LANGS else 1  # (any other language: English, as before)
    where: list[str] = []
    if p.row is not None:
        where.append(PARTS["row" if p.line is None else "row_line"][k].format(row=p.row, line=p.line))
    if p.column is not None:
        where.append(PARTS["column"][k].format(column=p.column))
    if p.row is not None or p.value is not None:
        where.append(PARTS["empty_value"][k] if p.value is None else PARTS["value"][k].format(value=p.value))
    body = MESSAGES[p.message_id][k].format(**p.params).rstrip()
    label = RULE_LABELS[p.rule][k]
    if where:
        return PARTS["located"][k].format(where=PARTS["join"][k].join(where), body=body, label=label)
    return PARTS["whole"][k].format(body=body, label=label)
