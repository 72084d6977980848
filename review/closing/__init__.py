"""The campaign's close (附件1 七–九, 四(三)): winners' materials lists, the WeChat group names, the
presenters' programme, the cities' work summaries, the archive, the province's dashboard and
closing the campaign (read-only)."""
