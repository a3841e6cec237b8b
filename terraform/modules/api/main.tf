locals {
  api_name = "${var.name}-api"

  document = jsondecode(file(var.openapi_path))

  operations = ["get", "put", "post", "delete", "options", "head", "patch"]

  # Every operation: proxied to the api function, its body and parameters validated by API
  # Gateway first, callers authenticated by SigV4 (IAM).
  operation_extensions = {
    "x-amazon-apigateway-integration" = {
      type                = "aws_proxy"
      httpMethod          = "POST"
      uri                 = var.function_invoke_arn
      passthroughBehavior = "when_no_match"
    }
    "x-amazon-apigateway-request-validator" = "all"
    security                                = [{ sigv4 = [] }]
  }

  paths = {
    for path, item in local.document.paths : path => merge(
      { for key, value in item : key => value if !contains(local.operations, key) },
      { for key, value in item : key => merge(value, local.operation_extensions) if contains(local.operations, key) },
    )
  }

  body = merge(local.document, {
    # API Gateway imports OpenAPI 2.0 and 3.0 only; Powertools writes 3.1.0. The schemas use
    # nothing of 3.1 but {"type": "null"} in anyOf, which JSON Schema draft 4 (what API Gateway
    # validates bodies with) also has: tests/unit/test_openapi.py keeps it so.
    openapi = "3.0.1"
    paths   = local.paths
    components = merge(try(local.document.components, {}), {
      securitySchemes = merge(try(local.document.components.securitySchemes, {}), {
        sigv4 = {
          type                           = "apiKey"
          name                           = "Authorization"
          in                             = "header"
          "x-amazon-apigateway-authtype" = "awsSigv4"
        }
      })
    })
    "x-amazon-apigateway-request-validators" = {
      all = {
        validateRequestBody       = true
        validateRequestParameters = true
      }
    }
  })
}

resource "aws_api_gateway_rest_api" "this" {
  name        = local.api_name
  description = "Archive-IO REST API"
  body        = jsonencode(local.body)

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A new deployment whenever the document (and so any operation) changes.
  triggers = {
    redeployment = sha1(jsonencode(local.body))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${local.api_name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# API Gateway's own execution log group, created here to have a retention and a key.
resource "aws_cloudwatch_log_group" "execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:responses are per caller and change with every run; nothing to cache
  #checkov:skip=CKV2_AWS_29:callers are authenticated by IAM (SigV4) and throttled by the stage; no public anonymous traffic for a WAF to filter
  #checkov:skip=CKV2_AWS_51:the integration is Lambda proxy (aws_proxy), not an HTTP backend that would verify a client certificate
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      extendedId     = "$context.extendedRequestId"
      caller         = "$context.identity.caller"
      user           = "$context.identity.userArn"
      sourceIp       = "$context.identity.sourceIp"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      resourcePath   = "$context.resourcePath"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latency        = "$context.responseLatency"
      error          = "$context.error.message"
      validation     = "$context.error.validationErrorString"
    })
  }

  depends_on = [aws_api_gateway_account.this, aws_cloudwatch_log_group.execution]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:no caching (see the stage): responses are per caller and change with every run
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/*/*"
}

# Access logs need the region's API Gateway account to have a CloudWatch role.
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cloudwatch" {
  count = var.manage_account ? 1 : 0

  name               = "${local.api_name}-cloudwatch"
  description        = "API Gateway (account setting) writing access and execution logs"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  count = var.manage_account ? 1 : 0

  role       = aws_iam_role.cloudwatch[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn

  depends_on = [aws_iam_role_policy_attachment.cloudwatch]
}
