-- Messages whose sent time was not believed. Dirty data, not broken logic: warns, never fails the nightly build.
{{ config(severity='warn') }}

select * from {{ ref('quality_untrusted_event_times') }}
