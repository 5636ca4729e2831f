-- validate_read_csv: every cell of an uploaded CSV file as text (validation connection only).
-- $path     VARCHAR              a private temporary UTF-8 copy of the uploaded file
-- $columns  MAP(VARCHAR, VARCHAR) column name -> 'VARCHAR', from the header line parsed beforehand
-- Fixed dialect, no sniffing: comma, double quotes, one header line; every row must have exactly
-- as many fields as the header (strict). Empty cells become NULL.
SELECT * FROM read_csv($path, header = true, auto_detect = false, columns = $columns, delim = ',', quote = '"',
                       escape = '"', strict_mode = true, null_padding = false)
