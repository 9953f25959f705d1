-- 就地就近就业 (policy 一, target `local`): registered persons with a 就业帮扶台账 row of
-- 帮扶类型 就地就近就业 whose 开始日期 falls in the window. One row per person, with the first
-- date that counts them (for the monthly series).
SELECT
    h.id_number,
    MIN(h.help_mode) AS help_mode,
    MIN(h.start_date) AS first_date
FROM help AS h
INNER JOIN registered AS r ON h.id_number = r.id_number
WHERE h.help_type = '就地就近就业'
  AND h.start_date >= {window_start} AND h.start_date <= {window_end}
GROUP BY h.id_number
