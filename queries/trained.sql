-- 帮扶培训 (policy 一, target `trained`): registered persons whose training completed in the
-- window — a 就业帮扶台账 row of 帮扶类型 技能培训 with 结束日期 in the window, or a 来济就业台账
-- spell with 培训天数 ≥ 1 whose completion (培训开始日期 + 培训天数 − 1) is in the window. With
-- the first completion in the window (for the monthly series).
SELECT t.id_number, MIN(t.help_mode) AS help_mode, MIN(t.done) AS first_date
FROM (
    SELECT h.id_number, h.help_mode, h.end_date AS done
    FROM help AS h
    WHERE h.help_type = '技能培训'
      AND h.end_date >= {window_start} AND h.end_date <= {window_end}
    UNION ALL
    SELECT j.id_number, '来济就业岗位培训' AS help_mode, j.training_end AS done
    FROM jining AS j
    WHERE j.training_days >= 1
      AND j.training_end >= {window_start} AND j.training_end <= {window_end}
) AS t
INNER JOIN registered AS r ON t.id_number = r.id_number
GROUP BY t.id_number
