"""Certificate issuance: ``issue(IssueRequest(...))`` for every channel; cards, protections, postal requests."""
