# Every aws_cognito_* user-pool resource Latchkey implements the API for, as a real application configures them.
# test_terraform.py applies it against a running `latchkey serve` (var.endpoint), checks the server with boto3,
# re-plans (no drift allowed), applies the update step (var.updated = true), re-plans, and destroys.

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
# The client an external service (OpenSearch) created in the minimal pool; adopted in the update step.
variable "managed_client_prefix" {
  type    = string
  default = ""
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  # No skip_credentials_validation or skip_requesting_account_id: the provider asks Latchkey's STS who it is.
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    cognitoidp = var.endpoint
    sts        = var.endpoint
  }
}

locals {
  api_scopes     = var.updated ? ["read", "write", "admin"] : ["read", "write"]
  custom_numbers = var.updated ? ["level", "score"] : ["level"]
}

# --- The application's pool: sign-in by email, verification messages, policy, devices, standard and custom schema.

resource "aws_cognito_user_pool" "main" {
  name                       = "tf-main-${var.suffix}"
  username_attributes        = ["email"]
  auto_verified_attributes   = ["email"]
  email_verification_subject = var.updated ? "Your new code" : "Your code"
  email_verification_message = var.updated ? "Use {####} to verify" : "Your code is {####}"

  password_policy {
    minimum_length                   = var.updated ? 12 : 10
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = false
    require_uppercase                = true
    temporary_password_validity_days = 3
  }

  device_configuration {
    challenge_required_on_new_device      = true
    device_only_remembered_on_user_prompt = !var.updated
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 0
      max_length = 2048
    }
  }

  schema {
    name                = "tenant"
    attribute_data_type = "String"
    mutable             = true
    string_attribute_constraints {
      min_length = 1
      max_length = 64
    }
  }

  # A custom attribute added in the update step goes through AddCustomAttributes.
  dynamic "schema" {
    for_each = local.custom_numbers
    content {
      name                = schema.value
      attribute_data_type = "Number"
      mutable             = true
      number_attribute_constraints {
        min_value = 0
        max_value = 100
      }
    }
  }

  tags = var.updated ? { env = "test", team = "identity" } : { env = "test" }
}

resource "aws_cognito_resource_server" "api" {
  identifier   = "https://api-${var.suffix}.example.com"
  name         = var.updated ? "api-v2" : "api"
  user_pool_id = aws_cognito_user_pool.main.id

  dynamic "scope" {
    for_each = local.api_scopes
    content {
      scope_name        = scope.value
      scope_description = "${title(scope.value)} things"
    }
  }
}

# The browser app: OAuth code flow, no secret.
resource "aws_cognito_user_pool_client" "web" {
  name                                 = "web"
  user_pool_id                         = aws_cognito_user_pool.main.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes = concat(
    ["openid", "email", "profile", "${aws_cognito_resource_server.api.identifier}/read"],
    var.updated ? ["${aws_cognito_resource_server.api.identifier}/write"] : [],
  )
  callback_urls                = var.updated ? ["http://localhost:3000/callback", "https://app.example.com/callback"] : ["http://localhost:3000/callback"]
  logout_urls                  = ["http://localhost:3000/"]
  supported_identity_providers = ["COGNITO"]
  explicit_auth_flows          = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  access_token_validity         = var.updated ? 30 : 60
  token_validity_units {
    access_token  = "minutes"
    id_token      = "hours"
    refresh_token = "days"
  }
}

# The server-side app: OAuth code flow with a secret.
resource "aws_cognito_user_pool_client" "backend" {
  name                                 = "backend"
  user_pool_id                         = aws_cognito_user_pool.main.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  callback_urls                        = ["https://app.example.com/oauth/callback"]
  refresh_token_validity               = var.updated ? 7 : 30
}

resource "aws_cognito_user_pool_domain" "main" {
  domain       = "tf-${var.suffix}"
  user_pool_id = aws_cognito_user_pool.main.id
}

# Pool-level customization: no client id (the provider sends "ALL").
resource "aws_cognito_user_pool_ui_customization" "pool" {
  user_pool_id = aws_cognito_user_pool_domain.main.user_pool_id
  css          = var.updated ? ".banner-customizable { background-color: #654321; }" : ".banner-customizable { background-color: #123456; }"
}

resource "aws_cognito_user_pool_ui_customization" "web" {
  user_pool_id = aws_cognito_user_pool_domain.main.user_pool_id
  client_id    = aws_cognito_user_pool_client.web.id
  css          = ".label-customizable { font-weight: 400; }"
  image_file   = filebase64("${path.module}/logo.png")
}

resource "aws_cognito_user_group" "admins" {
  name         = "admins"
  user_pool_id = aws_cognito_user_pool.main.id
  description  = var.updated ? "Administrators of the app" : "Administrators"
  precedence   = var.updated ? 2 : 1
}

resource "aws_cognito_user" "alice" {
  user_pool_id       = aws_cognito_user_pool.main.id
  username           = "alice-${var.suffix}@example.com"
  temporary_password = "Temp-Passw0rd1"
  message_action     = "SUPPRESS"
  attributes = merge(
    {
      email          = "alice-${var.suffix}@example.com"
      email_verified = true
      tenant         = var.updated ? "globex" : "acme"
    },
    var.updated ? { given_name = "Alice" } : { level = "7" },
  )
}

resource "aws_cognito_user_in_group" "alice_admins" {
  user_pool_id = aws_cognito_user_pool.main.id
  group_name   = aws_cognito_user_group.admins.name
  username     = aws_cognito_user.alice.username
}

# --- A second pool with the other settings Terraform users reach for: aliases, MFA by TOTP, invitation and
# --- verification templates, recovery, triggers, update-verification, case-insensitive names.

resource "aws_cognito_user_pool" "full" {
  name                       = "tf-full-${var.suffix}"
  alias_attributes           = ["email", "preferred_username"]
  auto_verified_attributes   = ["email"]
  mfa_configuration          = "OPTIONAL"
  sms_authentication_message = "Your MFA code is {####}"

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
    invite_message_template {
      email_message = "Hello {username}, your password is {####}"
      email_subject = var.updated ? "Welcome aboard" : "Welcome"
      sms_message   = "Hi {username}, pw {####}"
    }
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
    email_message        = "Code {####}"
    email_subject        = "Verify"
    sms_message          = "SMS code {####}"
  }

  email_configuration {
    email_sending_account  = "COGNITO_DEFAULT"
    reply_to_email_address = "support@example.com"
  }

  username_configuration {
    case_sensitive = false
  }

  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  user_pool_add_ons {
    advanced_security_mode = "OFF"
  }

  # Custom-auth triggers only: nothing in the test starts a custom-auth flow.
  lambda_config {
    define_auth_challenge          = "arn:aws:lambda:us-east-1:123456789012:function:define"
    create_auth_challenge          = "arn:aws:lambda:us-east-1:123456789012:function:create"
    verify_auth_challenge_response = "arn:aws:lambda:us-east-1:123456789012:function:verify"
  }

  schema {
    name                     = "flag"
    attribute_data_type      = "Boolean"
    mutable                  = false
    developer_only_attribute = false
  }

  schema {
    name                = "born"
    attribute_data_type = "DateTime"
    mutable             = true
  }
}

resource "aws_cognito_resource_server" "full" {
  identifier   = "api"
  name         = "api"
  user_pool_id = aws_cognito_user_pool.full.id
  scope {
    scope_name        = "read"
    scope_description = "Read"
  }
}

# Machine-to-machine: client credentials with a secret, every token validity set.
resource "aws_cognito_user_pool_client" "full" {
  name                                 = "full"
  user_pool_id                         = aws_cognito_user_pool.full.id
  generate_secret                      = true
  access_token_validity                = 2
  id_token_validity                    = 3
  refresh_token_validity               = 10
  auth_session_validity                = 5
  explicit_auth_flows                  = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  read_attributes                      = ["email", "email_verified", "custom:flag"]
  write_attributes                     = ["email"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = ["${aws_cognito_resource_server.full.identifier}/read"]
  supported_identity_providers         = ["COGNITO"]
  token_validity_units {
    access_token  = "hours"
    id_token      = "hours"
    refresh_token = "days"
  }
}

resource "aws_cognito_user" "bob" {
  user_pool_id = aws_cognito_user_pool.full.id
  username     = "bob"
  password     = "Perm-Passw0rd!"
  enabled      = !var.updated
  attributes = {
    email          = "bob-${var.suffix}@example.com"
    email_verified = true
  }
}

resource "aws_cognito_user_group" "role" {
  name         = "role"
  user_pool_id = aws_cognito_user_pool.full.id
  role_arn     = "arn:aws:iam::123456789012:role/app"
  precedence   = 5
}

# --- The smallest pool: every default, a bare client, a user with only a username.

resource "aws_cognito_user_pool" "minimal" {
  name = "tf-minimal-${var.suffix}"
}

resource "aws_cognito_user_pool_client" "minimal" {
  name         = "minimal"
  user_pool_id = aws_cognito_user_pool.minimal.id
}

resource "aws_cognito_user" "carol" {
  user_pool_id = aws_cognito_user_pool.minimal.id
  username     = "carol"
  enabled      = false
}

# A client another service created (OpenSearch names them AmazonOpenSearchService-...), adopted and configured.
resource "aws_cognito_managed_user_pool_client" "opensearch" {
  count                                = var.managed_client_prefix == "" ? 0 : 1
  name_prefix                          = var.managed_client_prefix
  user_pool_id                         = aws_cognito_user_pool.minimal.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  callback_urls                        = ["https://search.example.com/_dashboards/app/home"]
  logout_urls                          = ["https://search.example.com/_dashboards/app/home"]
  supported_identity_providers         = ["COGNITO"]
}

# --- Data sources, read after every resource exists.

data "aws_cognito_user_pool" "main" {
  user_pool_id = aws_cognito_user_pool.main.id
  depends_on   = [aws_cognito_user.alice, aws_cognito_user_pool_domain.main]
}

data "aws_cognito_user_pools" "main" {
  name       = aws_cognito_user_pool.main.name
  depends_on = [aws_cognito_user_pool.main]
}

data "aws_cognito_user_pool_client" "web" {
  user_pool_id = aws_cognito_user_pool.main.id
  client_id    = aws_cognito_user_pool_client.web.id
}

data "aws_cognito_user_pool_clients" "main" {
  user_pool_id = aws_cognito_user_pool.main.id
  depends_on   = [aws_cognito_user_pool_client.web, aws_cognito_user_pool_client.backend]
}

data "aws_cognito_user_group" "admins" {
  user_pool_id = aws_cognito_user_pool.main.id
  name         = aws_cognito_user_group.admins.name
}

data "aws_cognito_user_groups" "full" {
  user_pool_id = aws_cognito_user_pool.full.id
  depends_on   = [aws_cognito_user_group.role]
}

output "ids" {
  value = {
    main           = aws_cognito_user_pool.main.id
    full           = aws_cognito_user_pool.full.id
    minimal        = aws_cognito_user_pool.minimal.id
    web            = aws_cognito_user_pool_client.web.id
    backend        = aws_cognito_user_pool_client.backend.id
    full_client    = aws_cognito_user_pool_client.full.id
    minimal_client = aws_cognito_user_pool_client.minimal.id
    domain         = aws_cognito_user_pool_domain.main.domain
    api            = aws_cognito_resource_server.api.identifier
    alice          = aws_cognito_user.alice.username
    alice_sub      = aws_cognito_user.alice.sub
  }
}

output "data" {
  value = {
    estimated_users = data.aws_cognito_user_pool.main.estimated_number_of_users
    pool_domain     = data.aws_cognito_user_pool.main.domain
    pool_ids        = data.aws_cognito_user_pools.main.ids
    web_callbacks   = data.aws_cognito_user_pool_client.web.callback_urls
    client_names    = data.aws_cognito_user_pool_clients.main.client_names
    admins          = data.aws_cognito_user_group.admins.description
    full_groups     = [for g in data.aws_cognito_user_groups.full.groups : g.group_name]
  }
}
