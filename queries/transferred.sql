-- 转移到济宁就业 (policy 一, target `transferred`): registered persons with a 来济就业台账 spell
-- whose 入职日期 falls in the window. One row per person, with the spell's county and the
-- longest spell's full months in Jining (for stability), and the first date that counts him
-- (for the monthly series).
SELECT
    j.id_number,
    MIN(j.county) AS county,
    MAX(j.full_months) AS full_months,
    MIN(j.hire_date) AS first_date
FROM jining AS j
INNER JOIN registered AS r ON j.id_number = r.id_number
WHERE j.hire_date >= {window_start} AND j.hire_date <= {window_end}
GROUP BY j.id_number
