-- validate_read_csv: every cell of an uploaded CSV file as text (validation connection only).
-- $path  VARCHAR  a private temporary UTF-8 copy of the uploaded file (header checked beforehand)
-- Fixed dialect (no sniffing): comma, double quotes, a header line; every row must have as many
-- fields as the header. Empty cells become NULL.
SELECT * FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                       strict_mode = true, null_padding = false)
