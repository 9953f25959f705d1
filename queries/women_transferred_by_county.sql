-- An example of a user's own indicator: women transferred to Jining in the window, by county.
-- Run it with: luyu query queries/women_transferred_by_county.sql --as-of 2020-12
SELECT j.county AS "就业县（市、区）", COUNT(DISTINCT j.id_number) AS "女性转移就业人数"
FROM jining AS j
INNER JOIN registered AS r ON j.id_number = r.id_number
WHERE r.gender = '女'
  AND j.hire_date >= {window_start} AND j.hire_date <= {window_end}
GROUP BY j.county
ORDER BY j.county
