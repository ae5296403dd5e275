-- Properties the spec does not know. Dirty data, not broken logic: warns, never fails the nightly build.
{{ config(severity='warn') }}

select * from {{ ref('quality_unknown_properties') }}
