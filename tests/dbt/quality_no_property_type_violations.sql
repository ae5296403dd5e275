-- Property values whose JSON type breaks the spec. Dirty data, not broken logic: warns, never fails the nightly build.
{{ config(severity='warn') }}

select * from {{ ref('quality_property_type_violations') }}
