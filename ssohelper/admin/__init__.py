"""Identity Center administration: IAM users planned into permission sets and assignments."""
