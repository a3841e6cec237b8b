# GitHub Actions deploys through OIDC: no long-lived keys. The CI deploy role trusts only
# the named branches and GitHub environments of one repository.

locals {
  github_subjects = concat(
    [for branch in var.deploy_branches : "repo:${var.github_repository}:ref:refs/heads/${branch}"],
    [for env in var.deploy_environments : "repo:${var.github_repository}:environment:${env}"],
  )
}

# AWS trusts GitHub's token issuer through its own CA library, so no thumbprint is pinned.
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "ci_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Exact subjects, no wildcards: a branch or environment not listed cannot assume the role.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.github_subjects
    }
  }
}

# Named outside the archive-io-<env>-* pattern its own policies grant, so it cannot edit itself.
resource "aws_iam_role" "ci_deploy" {
  name                 = "archive-io-ci-deploy"
  description          = "GitHub Actions (${var.github_repository}) deploys the archive-io environments ${join(", ", var.deploy_environments)}."
  assume_role_policy   = data.aws_iam_policy_document.ci_assume.json
  max_session_duration = 3600
}

resource "aws_iam_policy" "ci_deploy" {
  for_each = local.ci_policies

  name        = "archive-io-ci-deploy-${each.key}"
  description = "archive-io CI deploy role: ${each.key}."
  policy      = each.value
}

resource "aws_iam_role_policy_attachment" "ci_deploy" {
  for_each = aws_iam_policy.ci_deploy

  role       = aws_iam_role.ci_deploy.name
  policy_arn = each.value.arn
}
