-- marts.nearby_small_offer: STO "duurzaam" DU2, nearby small offer counted, per peiljaar × scope × profile ×
-- leerweg ('all' = B/K/G together, then each configured leerweg) × max_distance_km × max_small_pupils (the
-- configured sensitivity grid; nearby.yaml nearby_small_offer).
-- n_locations_offering      locations offering the profile (in the leerweg): marts.profile_offer_location's
--                           rule (n >= min_pupils_offered, SEOR table 5.1; stated per row)
-- n_locations_small         of those, with at most max_small_pupils pupils
-- n_locations_unplaced      offering locations without coordinates that year (they can form no pair)
-- n_locations_small_nearby  small locations with another small location of the same profile (and leerweg)
--                           within max_distance_km, by a counted pair (the other location may lie outside
--                           the scope)
-- n_clusters                connected groups (>= 2 locations) of small locations linked by counted pairs,
--                           counted in every scope holding at least one of its locations
-- n_pairs                   counted pairs with at least one location in the scope
-- n_pairs_crossing          of those, pairs whose other location lies outside the scope (each such pair is
--                           counted in two scopes of a level: national n_pairs = sum over a level of n_pairs
--                           minus half the sum of n_pairs_crossing)
-- n_pairs_same_instelling   pairs of two locations of the same instelling (with at least one location in
--                           the scope); left out of every other count when exclude_same_instelling
-- Location counts are additive over a partitioning level (each location is in one scope of a level);
-- clusters and pairs are not (see above).
-- Rows: every scope × key where the profile is offered in the scope that year. Change against the baseline:
-- baseline_peiljaar from core.peiljaar_calendar (the configured baseline 2017 when loaded, else the earliest
-- loaded peiljaar; stated per row); a scope × key with no row at the baseline counts 0 there.
-- Clusters: connected components computed set-based over the undirected counted pairs of each key, by
-- min-label propagation in a recursive CTE (USING KEY: one row per location, updated while its label
-- shrinks); a cluster is named by its smallest vestiging code.
-- Scopes: core.scope_membership, the scope types $scope_types (one scope per partitioning level).
-- Inputs: marts.profile_offer_location, marts.nearby_small_offer_pairs, core.pupil_locations,
--   core.scope_membership, core.peiljaar_calendar.
-- Parameters: $max_distances_km (list), $max_small_pupils (list), $leerwegen (list), $profile_kinds (list),
--   $exclude_same_instelling, $scope_types (list).
CREATE OR REPLACE TABLE marts.nearby_small_offer AS
WITH RECURSIVE
offer AS (
    SELECT o.peiljaar, o.vestiging_code, o.profile_code, o.min_pupils_offered, 'all' AS leerweg, o.n_bovenbouw AS n
    FROM marts.profile_offer_location o
    WHERE list_contains($profile_kinds, o.profile_kind) AND o.n_bovenbouw >= o.min_pupils_offered
    UNION ALL
    SELECT o.peiljaar, o.vestiging_code, o.profile_code, o.min_pupils_offered, l.leerweg,
           coalesce(o.n_by_leerweg[l.leerweg], 0) AS n
    FROM marts.profile_offer_location o
    CROSS JOIN (SELECT unnest($leerwegen::VARCHAR[]) AS leerweg) l
    WHERE list_contains($profile_kinds, o.profile_kind)
      AND coalesce(o.n_by_leerweg[l.leerweg], 0) >= o.min_pupils_offered
),
grid AS (
    SELECT d.max_distance_km, s.max_small_pupils
    FROM (SELECT unnest($max_distances_km::DOUBLE[]) AS max_distance_km) d
    CROSS JOIN (SELECT unnest($max_small_pupils::INTEGER[]) AS max_small_pupils) s
),
cells AS (
    SELECT f.peiljaar, f.leerweg, f.profile_code, g.max_distance_km, g.max_small_pupils, f.vestiging_code,
           f.min_pupils_offered, f.n <= g.max_small_pupils AS small, pl.lat IS NULL AS unplaced
    FROM offer f
    CROSS JOIN grid g
    LEFT JOIN core.pupil_locations pl ON pl.peiljaar = f.peiljaar AND pl.vestiging_code = f.vestiging_code
),
pairs AS (
    SELECT peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils, vestiging_a, vestiging_b,
           same_instelling, counted
    FROM marts.nearby_small_offer_pairs
),
cell_keys AS (
    SELECT peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils,
           row_number() OVER (ORDER BY peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils) AS k
    FROM (SELECT DISTINCT peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils FROM pairs WHERE counted)
),
edges AS (
    SELECT c.k, p.vestiging_a AS v, p.vestiging_b AS w
    FROM pairs p JOIN cell_keys c USING (peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils)
    WHERE p.counted
    UNION ALL
    SELECT c.k, p.vestiging_b AS v, p.vestiging_a AS w
    FROM pairs p JOIN cell_keys c USING (peiljaar, leerweg, profile_code, max_distance_km, max_small_pupils)
    WHERE p.counted
),
-- min-label propagation: every location starts with its own code as label; each round, the locations whose
-- label changed pass it to their neighbours, which take it when it is smaller; it stops when no label changes.
-- The label is then the smallest vestiging code of the connected component (the cluster).
labels(k, v, label) USING KEY (k, v) AS (
    SELECT DISTINCT k, v, v FROM edges
    UNION
    SELECT e.k, e.w, min(l.label)
    FROM labels l
    JOIN edges e ON e.k = l.k AND e.v = l.v
    JOIN recurring.labels cur ON cur.k = e.k AND cur.v = e.w
    GROUP BY e.k, e.w, cur.label
    HAVING min(l.label) < cur.label
),
clustered AS (
    SELECT c.peiljaar, c.leerweg, c.profile_code, c.max_distance_km, c.max_small_pupils, l.v AS vestiging_code,
           l.label AS cluster_id
    FROM labels l JOIN cell_keys c USING (k)
),
scopes AS (
    SELECT vestiging_code, scope_type, scope_code, scope_name
    FROM core.scope_membership WHERE list_contains($scope_types, scope_type)
),
cells_clustered AS (
    SELECT c.*, k.cluster_id
    FROM cells c
    LEFT JOIN clustered k
      ON k.peiljaar = c.peiljaar AND k.leerweg = c.leerweg AND k.profile_code = c.profile_code
     AND k.max_distance_km = c.max_distance_km AND k.max_small_pupils = c.max_small_pupils
     AND k.vestiging_code = c.vestiging_code
),
loc_counts AS (
    SELECT c.peiljaar, s.scope_type, s.scope_code, c.profile_code, c.leerweg, c.max_distance_km, c.max_small_pupils,
           min(s.scope_name) AS scope_name, min(c.min_pupils_offered) AS min_pupils_offered,
           count(*)::BIGINT AS n_locations_offering,
           count(*) FILTER (WHERE c.small)::BIGINT AS n_locations_small,
           count(*) FILTER (WHERE c.unplaced)::BIGINT AS n_locations_unplaced,
           count(c.cluster_id)::BIGINT AS n_locations_small_nearby
    FROM cells_clustered c
    JOIN scopes s ON s.vestiging_code = c.vestiging_code
    GROUP BY c.peiljaar, s.scope_type, s.scope_code, c.profile_code, c.leerweg, c.max_distance_km, c.max_small_pupils
),
cluster_counts AS (
    SELECT peiljaar, scope_type, scope_code, profile_code, leerweg, max_distance_km, max_small_pupils,
           count(*)::BIGINT AS n_clusters
    FROM (
        SELECT DISTINCT k.peiljaar, s.scope_type, s.scope_code, k.profile_code, k.leerweg, k.max_distance_km,
               k.max_small_pupils, k.cluster_id
        FROM clustered k JOIN scopes s ON s.vestiging_code = k.vestiging_code
    )
    GROUP BY ALL
),
pair_ends AS (
    SELECT *, vestiging_a AS vestiging_code FROM pairs
    UNION ALL
    SELECT *, vestiging_b AS vestiging_code FROM pairs
),
pair_scopes AS (
    SELECT p.peiljaar, p.leerweg, p.profile_code, p.max_distance_km, p.max_small_pupils, p.vestiging_a,
           p.vestiging_b, p.same_instelling, p.counted, s.scope_type, s.scope_code, count(*) AS ends_in_scope
    FROM pair_ends p
    JOIN scopes s ON s.vestiging_code = p.vestiging_code
    GROUP BY ALL
),
pair_counts AS (
    SELECT peiljaar, scope_type, scope_code, profile_code, leerweg, max_distance_km, max_small_pupils,
           count(*) FILTER (WHERE counted)::BIGINT AS n_pairs,
           count(*) FILTER (WHERE counted AND ends_in_scope = 1)::BIGINT AS n_pairs_crossing,
           count(*) FILTER (WHERE same_instelling)::BIGINT AS n_pairs_same_instelling
    FROM pair_scopes GROUP BY ALL
),
agg AS (
    SELECT l.*,
           coalesce(cc.n_clusters, 0) AS n_clusters,
           coalesce(p.n_pairs, 0) AS n_pairs,
           coalesce(p.n_pairs_crossing, 0) AS n_pairs_crossing,
           coalesce(p.n_pairs_same_instelling, 0) AS n_pairs_same_instelling
    FROM loc_counts l
    LEFT JOIN cluster_counts cc USING (peiljaar, scope_type, scope_code, profile_code, leerweg, max_distance_km,
                                       max_small_pupils)
    LEFT JOIN pair_counts p USING (peiljaar, scope_type, scope_code, profile_code, leerweg, max_distance_km,
                                   max_small_pupils)
),
base AS (
    SELECT DISTINCT baseline_peiljaar FROM core.peiljaar_calendar
)
SELECT
    a.peiljaar, a.scope_type, a.scope_code, a.scope_name, a.profile_code, a.leerweg,
    a.max_distance_km, a.max_small_pupils,
    a.n_locations_offering, a.n_locations_small, a.n_locations_unplaced, a.n_locations_small_nearby,
    a.n_clusters, a.n_pairs, a.n_pairs_crossing, a.n_pairs_same_instelling,
    $exclude_same_instelling::BOOLEAN AS exclude_same_instelling,
    a.min_pupils_offered::INTEGER AS min_pupils_offered,
    b.baseline_peiljaar,
    a.n_locations_offering - coalesce(z.n_locations_offering, 0) AS change_n_locations_offering,
    a.n_locations_small_nearby - coalesce(z.n_locations_small_nearby, 0) AS change_n_locations_small_nearby,
    a.n_clusters - coalesce(z.n_clusters, 0) AS change_n_clusters,
    a.n_pairs - coalesce(z.n_pairs, 0) AS change_n_pairs
FROM agg a
CROSS JOIN base b
LEFT JOIN agg z
  ON z.peiljaar = b.baseline_peiljaar AND z.scope_type = a.scope_type AND z.scope_code = a.scope_code
 AND z.profile_code = a.profile_code AND z.leerweg = a.leerweg AND z.max_distance_km = a.max_distance_km
 AND z.max_small_pupils = a.max_small_pupils;
