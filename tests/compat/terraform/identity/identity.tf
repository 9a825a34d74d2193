# Identity pools as a real application configures them with Terraform: a user pool and two app clients, an identity
# pool trusting both (one with ServerSideTokenCheck), a developer provider, a public provider and tags; its roles
# with a Rules mapping for one client and a Token mapping for the other; a principal-tag map; the data source.
# test_terraform.py applies it against a running `latchkey serve` (var.endpoint), checks the server with boto3,
# re-plans (no drift allowed), applies the update step (var.updated = true), re-plans, and destroys.
#
# Unlike cognito.tf, the provider validates its credentials and asks for the account id: both through STS
# GetCallerIdentity, which Latchkey answers for the admin key.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
variable "suffix" { type = string }
variable "updated" {
  type    = bool
  default = false
}

provider "aws" {
  region                  = "us-east-1"
  access_key              = var.access_key
  secret_key              = var.secret_key
  skip_metadata_api_check = true
  endpoints {
    cognitoidp      = var.endpoint
    cognitoidentity = var.endpoint
    sts             = var.endpoint
  }
}

data "aws_caller_identity" "me" {}

locals {
  role = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:role"
}

resource "aws_cognito_user_pool" "users" {
  name = "tf-identity-${var.suffix}"
}

resource "aws_cognito_user_pool_client" "web" {
  name                = "web"
  user_pool_id        = aws_cognito_user_pool.users.id
  explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

resource "aws_cognito_user_pool_client" "mobile" {
  name                = "mobile"
  user_pool_id        = aws_cognito_user_pool.users.id
  explicit_auth_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

resource "aws_cognito_identity_pool" "main" {
  identity_pool_name               = "tf identity ${var.suffix}"
  allow_unauthenticated_identities = var.updated
  allow_classic_flow               = false
  developer_provider_name          = "login.tf.example"

  supported_login_providers = {
    "accounts.google.com" = "123-abc.apps.googleusercontent.com"
  }

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.web.id
    provider_name           = aws_cognito_user_pool.users.endpoint
    server_side_token_check = false
  }

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.mobile.id
    provider_name           = aws_cognito_user_pool.users.endpoint
    server_side_token_check = true
  }

  tags = var.updated ? { env = "test", team = "identity" } : { env = "test" }
}

resource "aws_cognito_identity_pool_roles_attachment" "main" {
  identity_pool_id = aws_cognito_identity_pool.main.id

  roles = {
    authenticated   = "${local.role}/tf-auth"
    unauthenticated = "${local.role}/tf-guest"
  }

  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.web.id}"
    type                      = "Rules"
    ambiguous_role_resolution = "AuthenticatedRole"

    mapping_rule {
      claim      = "email"
      match_type = "Contains"
      value      = var.updated ? "@staff." : "@corp."
      role_arn   = "${local.role}/tf-corp"
    }

    mapping_rule {
      claim      = "email"
      match_type = "StartsWith"
      value      = "boss@"
      role_arn   = "${local.role}/tf-boss"
    }
  }

  role_mapping {
    identity_provider         = "${aws_cognito_user_pool.users.endpoint}:${aws_cognito_user_pool_client.mobile.id}"
    type                      = "Token"
    ambiguous_role_resolution = "Deny"
  }
}

resource "aws_cognito_identity_pool_provider_principal_tag" "main" {
  identity_pool_id       = aws_cognito_identity_pool.main.id
  identity_provider_name = aws_cognito_user_pool.users.endpoint
  use_defaults           = false
  principal_tags         = var.updated ? { user = "sub", app = "aud" } : { user = "sub" }
}

data "aws_cognito_identity_pool" "by_name" {
  identity_pool_name = aws_cognito_identity_pool.main.identity_pool_name
  depends_on         = [aws_cognito_identity_pool.main]
}

output "ids" {
  value = {
    identity_pool = aws_cognito_identity_pool.main.id
    arn           = aws_cognito_identity_pool.main.arn
    user_pool     = aws_cognito_user_pool.users.id
    provider      = aws_cognito_user_pool.users.endpoint
    web           = aws_cognito_user_pool_client.web.id
    mobile        = aws_cognito_user_pool_client.mobile.id
    account       = data.aws_caller_identity.me.account_id
    caller_arn    = data.aws_caller_identity.me.arn
  }
}

output "data" {
  value = {
    id                  = data.aws_cognito_identity_pool.by_name.id
    arn                 = data.aws_cognito_identity_pool.by_name.arn
    allow_unauth        = data.aws_cognito_identity_pool.by_name.allow_unauthenticated_identities
    developer_provider  = data.aws_cognito_identity_pool.by_name.developer_provider_name
    provider_client_ids = sort([for p in data.aws_cognito_identity_pool.by_name.cognito_identity_providers : p.client_id])
    tags                = data.aws_cognito_identity_pool.by_name.tags
  }
}
