"""Near-duplicate cases (issue 19): the same story through two channels, last year's narrative
again, one company introduction under two stories, one photo for two cases.

- `text`: the engine that compares two narratives (sections, exact passages, key facts) and judges
  the pair: duplicate (copy, recycled, paraphrase), company_section (same 企业简介, other story) or
  unrelated. `manage.py compare_texts` and the portal both call `text.compare`.
- `signatures`: MinHash signatures and LSH band keys (datasketch) that find the candidates among
  every indexed case without comparing them all.
- `photos`: perceptual hashes (imagehash) of the photos.
- `services`: indexing a case (a Celery task, after submission and when a campaign is archived),
  finding its candidates in the persisted index and recording the matches.
- `queries`: what a viewer is shown of a case's matches, the province's clusters.
"""
