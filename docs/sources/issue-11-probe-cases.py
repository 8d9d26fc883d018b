import json
def api(status, message, body=None, headers=None, retryable=None):
    d={"statusCode":status,"message":message}
    if body is not None: d["responseBody"]= body if isinstance(body,str) else json.dumps(body)
    if headers: d["responseHeaders"]=headers
    if retryable is not None: d["isRetryable"]=retryable
    return {"name":"APIError","data":d}
def unk(msg): return {"name":"UnknownError","data":{"message":msg}}
G1a_msg="Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:391029737820'."
G1a={"error":{"code":429,"message":G1a_msg,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com","quota_location":"us-west4","quota_limit_value":"0","quota_limit":"GenerateContentRequestsPerMinutePerProjectPerRegion","quota_metric":"generativelanguage.googleapis.com/generate_content_requests","consumer":"projects/391029737820"}},{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Request a higher quota limit.","url":"https://cloud.google.com/docs/quotas/help/request_increase"}]}]}}
G1i_msg="Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit 'Gemini 2.5 Pro Requests per day per user per tier' of service 'cloudcode-pa.googleapis.com' for consumer 'project_number:681255809395'."
G1i={"error":{"code":429,"message":G1i_msg,"errors":[{"message":G1i_msg,"domain":"global","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"quota_metric":"cloudcode-pa.googleapis.com/gemini_2_5_pro_requests","quota_limit":"Gemini25ProRequestsPerDayPerProjectPerUser"}}]}}
vertex="429 Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base model: gemini-pro. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai."
cases=[
 ["g-1a-errorinfo-per-minute","rate-limit",api(429,G1a_msg,G1a,retryable=True)],
 ["g-1a-js-sdk-text","rate-limit",unk("[GoogleGenerativeAI Error]: Error fetching from https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent: [429 Too Many Requests] "+G1a_msg)],
 ["g-1g-vertex-per-minute","rate-limit",unk("google.api_core.exceptions.ResourceExhausted: "+vertex)],
 ["g-1g-vertex-per-minute-grpc","rate-limit",unk('status = StatusCode.RESOURCE_EXHAUSTED details = "Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base model: MedLM-medium. Please submit a quota increase request."')],
 ["g-1i-cloudcode-per-day","quota",api(429,G1i_msg,G1i,retryable=True)],
 ["g-1i-text-per-day","quota",unk(G1i_msg)],
 ["g-daily-quota-cli","quota",unk("You have exhausted your daily quota on this model.")],
 ["g-spend-cap","quota",api(429,"Your billing account has exceeded its monthly spending cap. Please go to AI Studio at https://aistudio.google.com to manage your billing. Learn more at https://ai.google.dev/gemini-api/docs/billing.")],
 ["g-prepay","quota",api(429,"Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.")],
 ["vertex-out-of-capacity","overload",unk("RESOURCE_EXHAUSTED: Unable to submit request because the service is temporarily out of capacity. Try again later.")],
 ["gemini-no-capacity","overload",api(503,"No capacity available for model gemini-3-pro-preview on the server",{"error":{"code":503,"message":"No capacity available for model gemini-3-pro-preview on the server","status":"UNAVAILABLE","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"MODEL_CAPACITY_EXHAUSTED","domain":"cloudcode-pa.googleapis.com"}]}})],
 ["gemini-no-capacity-text","overload",unk("No capacity available for model gemini-3-pro-preview on the server")],
 ["cloudcode-reset-after-long","quota",api(429,"You have exhausted your capacity on this model. Your quota will reset after 161h39m41s.",{"error":{"code":429,"message":"You have exhausted your capacity on this model. Your quota will reset after 161h39m41s.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"QUOTA_EXHAUSTED","domain":"cloudcode-pa.googleapis.com","metadata":{"uiMessage":"true","model":"claude-sonnet-4-5","quotaResetDelay":"161h39m41.300432511s","quotaResetTimeStamp":"2025-12-18T20:18:34Z"}},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"581981.300432511s"}]}})],
 ["cloudcode-reset-after-5s","rate-limit",unk("You have exhausted your capacity on this model. Your quota will reset after 5s.")],
 ["individual-quota-reached","quota",api(429,"Individual quota reached. Contact your administrator to enable overages. Resets in 71h15m27s.")],
 # budget
 ["litellm-key-budget-400","quota",api(400,"Budget has been exceeded! Current cost: 0.0010747, Max budget: 0.0",{"error":{"message":"Budget has been exceeded! Current cost: 0.0010747, Max budget: 0.0","type":"auth_error","param":None,"code":400}})],
 ["litellm-team-budget","quota",api(400,"Budget has been exceeded! Team=99c74652-6e33-4dbd-93f3-5b545da15ade")],
 ["litellm-deploy-budget","quota",api(429,"No deployments available - crossed budget: Exceeded budget for deployment model_name: xxx, litellm_params.model: xxx, model_id: xxx: 0.363 >= 1")],
 ["litellm-key-budget-429","quota",api(429,"Budget has been exceeded! Current cost: 10.607015384999993, Max budget: 10.0")],
 ["litellm-user-over-budget","quota",unk("litellm.exceptions.BudgetExceededError: ExceededBudget: User=foo over budget. Spend=0.03862624999999999, Budget=0.01")],
 ["litellm-model-budget","quota",api(429,"LiteLLM User: engineer-1, exceeded budget for model=claude-opus-4-8",{"error":{"message":"LiteLLM User: engineer-1, exceeded budget for model=claude-opus-4-8","type":"budget_exceeded","param":None,"code":"429"}})],
 ["litellm-token-budget-old","quota",api(401,"Authentication Error, ExceededTokenBudget: Current spend for token: 7.2e-05; Max Budget for Token: 2e-07",{"detail":"Authentication Error, ExceededTokenBudget: Current spend for token: 7.2e-05; Max Budget for Token: 2e-07"})],
 ["openai-billing-hard-limit","quota",api(400,"Billing hard limit has been reached",{"error":{"code":"billing_hard_limit_reached","message":"Billing hard limit has been reached","param":None,"type":"invalid_request_error"}})],
 ["openai-billing-hard-limit-text","quota",unk("BadRequestError: 400 Billing hard limit has been reached")],
 ["openai-project-spend","quota",api(429,"You have exceeded your project spend limit.",{"error":{"code":"project_spend_limit_exceeded","message":"You have exceeded your project spend limit.","type":"insufficient_quota"}})],
 ["openai-credit-balance-exhausted","quota",api(429,"x",{"error":{"code":"credit_balance_exhausted","message":"x","type":"insufficient_quota"}})],
 ["warp-budget","quota",api(403,"Monthly spending budget of $50 has been reached.",{"error":{"code":"budget_exceeded","message":"Monthly spending budget of $50 has been reached."}})],
 ["credits-exhausted","quota",api(429,"Credits exhausted. Please visit the link below to purchase add-on packs and get more credits: https://www.codebuddy.ai/pro")],
 ["spending-cap-reached","quota",unk("Spending cap reached")],
 ["anthropic-enforced-spend","quota",api(429,"x",{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit. Please try again later.","details":{"error_code":"enforced_spend_limit_reached"}}})],
 # zhipu
 ["zhipu-1304","quota",api(429,"该 API 已达今日调用次数限额,如有更多需求,请联系客服购买",{"error":{"code":"1304","message":"该 API 已达今日调用次数限额,如有更多需求,请联系客服购买"}})],
 ["zhipu-1310-plain","quota",api(429,"Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-09-23 05:53:09",{"error":{"code":"1310","message":"Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-09-23 05:53:09"}})],
 ["zhipu-1310-bracket","quota",api(429,"[1310][Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-07-14 07:49:08]",{"type":"error","error":{"type":"rate_limit_error","code":"1310","message":"[1310][Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-07-14 07:49:08]"}})],
 ["zhipu-1310-go","quota",unk("429 OpenAI completion error:\nError from provider (Z.ai): Weekly/Monthly Limit Exhausted.\nYour limit will reset at 2026-06-25 02:06:16")],
 ["zhipu-1310-cn","quota",api(429,"您已达到每周/每月使用上限,您的限额将在 2026-06-25 02:06:16 重置",{"error":{"code":"1310","message":"您已达到每周/每月使用上限,您的限额将在 2026-06-25 02:06:16 重置"}})],
 ["zhipu-1113-en","quota",api(429,"Insufficient balance or no resource package. Please recharge.",{"error":{"code":"1113","message":"Insufficient balance or no resource package. Please recharge."}})],
 ["zhipu-1113-arrears-en","quota",unk("Your account is in arrears, please recharge and try again")],
 ["zhipu-1302","rate-limit",api(429,"High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits",{"error":{"code":"1302","message":"High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits"}})],
 ["zhipu-1302-cn-text","rate-limit",unk("您当前使用该 API 的并发数过高，请降低并发，或联系客服增加限额")],
 ["zhipu-1302-cn2","rate-limit",unk('{"error":{"code":"1302","message":"您的账户已达到速率限制，请您控制请求频率"}}')],
 ["zhipu-1305-cn","overload",unk('API Error: 429 {"error":{"code":"1305","message":"该模型当前访问量过大，请您稍后再试"},"request_id":"x"}')],
 ["zhipu-1303-cn","rate-limit",unk("您当前使用该 API 的频率过高，请降低频率，或联系客服增加限额")],
 # multi-account
 ["quota-protection","auth-pool",unk("Quota protection: All 3 account(s) are over 90% usage for claude. Quota resets in 11h 1m. Add more accounts, wait for quota reset, or set soft_quota_threshold_percent: 100 to disable.")],
 ["quota-protection-prefixed","auth-pool",unk("[Antigravity] Quota protection: All 2 account(s) are over 90% usage for gemini. Quota resets in 12m 5s.")],
 ["all-accounts-rate-limited","auth-pool",unk("All 4 account(s) rate-limited for claude. Quota resets in 12m 5s. Add more accounts with `opencode auth login` or wait and retry.")],
 ["all-accounts-invalid-refresh","auth",unk("All Antigravity accounts have invalid refresh tokens. Run `opencode auth login` and reauthenticate.")],
 # auth
 ["token-refresh-429","rate-limit",unk("Token refresh failed: 429")],
 ["token-refresh-500","overload",unk("Token refresh failed: 500")],
 # transient
 ["service-unavailable","overload",unk("The service is currently unavailable.")],
 ["temporarily-unavailable","overload",unk("HTTP 503: Inference is temporarily unavailable")],
 ["server-busy","overload",unk("The server is busy. Please try again later.")],
 ["throttled","rate-limit",unk("Request was throttled. Please slow down.")],
 ["max-rpm","rate-limit",unk("Maximum requests per minute reached")],
 ["openai-server-error","overload",unk('{"error":{"message":"The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error.","type":"server_error","param":null,"code":null}}')],
 ["openai-server-error-old","overload",unk("500:server_error:The server had an error while processing your request. Sorry about that!")],
 ["at-capacity","overload",unk("Selected model is at capacity. Please try a different model.")],
 ["overloaded_error-colon","overload",unk("overloaded_error: Overloaded")],
 ["rate_limit_error-colon","rate-limit",unk("rate_limit_error: This request would exceed your account's rate limit.")],
 ["rate_limit_error_","rate-limit",unk("rate_limit_error_exceeded")],
 ["cn-freq","rate-limit",unk("接口返回：请求过于频繁,请稍后再试")],
 ["cn-freq2","rate-limit",unk("APIError: 访问过于频繁，请稍候再试")],
 ["cn-unavail","overload",unk("报错：模型服务暂时不可用")],
 ["cn-unavail2","overload",unk("【系统内部错误】服务暂不可用")],
 ["cn-limit","rate-limit",unk("该 API 已触发流量限制")],
 ["cn-limit2","rate-limit",unk("触发限流，请稍后重试")],
 ["cn-busy","overload",unk("服务器繁忙，请稍后再试")],
 ["baidu-qps","rate-limit",unk("Open api qps request limit reached")],
 ["baidu-daily","quota",unk("Open api daily request limit reached")],
 ["baidu-rpm","rate-limit",unk('{ "code": 336501, "msg": "Rate limit reached for RPM" }')],
 ["huawei-throttle","rate-limit",unk('{"error_msg":"The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:1 minute","error_code":"APIG.0308"}')],
 ["dashscope-tpm-trap","rate-limit",api(429,"You exceeded your current quota, please check your plan and billing details. For details, see: https://help.aliyun.com/zh/model-studio/error-code#token-limit",{"error":{"code":"insufficient_quota","message":"You exceeded your current quota, please check your plan and billing details. For details, see: https://help.aliyun.com/zh/model-studio/error-code#token-limit","param":None,"type":"insufficient_quota"},"request_id":""})],
 ["dashscope-allocated","rate-limit",api(429,"Allocated quota exceeded, please increase your quota limit.",{"code":"Throttling.AllocationQuota","message":"Allocated quota exceeded, please increase your quota limit.","request_id":"x"})],
 ["dashscope-rate-quota","rate-limit",api(429,"Requests rate limit exceeded, please try again later.",{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded, please try again later.","request_id":"x"})],
 ["kimi-overloaded","overload",unk("{'error': {'message': 'The engine is currently overloaded, please try again later', 'type': 'engine_overloaded_error'}}")],
 # context
 ["ctx-anthropic","context",unk('Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 219898 tokens > 200000 maximum"}}')],
 ["ctx-anthropic-2","context",unk('{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000, decrease input length or `max_tokens` and try again"}}')],
 ["ctx-gpt5","context",unk("400 Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 289650 tokens. Please reduce the length of the messages.")],
 ["ctx-sglang","context",unk('{"object":"error","message":"The input (61709 tokens) is longer than the model\'s context length (40960 tokens).","type":"BadRequestError","param":null,"code":400}')],
 ["ctx-vllm","context",unk("The decoder prompt (length 163840) is longer than the maximum model length of 131072. Make sure that `max_model_len` is no smaller than the number of text tokens.")],
 ["ctx-gemini","context",unk("The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).")],
 ["ctx-kimi","context",unk("Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)")],
 ["ctx-zhipu","context",unk('{"error":{"code":"1261","message":"Prompt 超长"}}')],
 ["ctx-baidu","context",unk("Prompt tokens too long")],
 ["ctx-litellm","context",unk("litellm.ContextWindowExceededError: litellm.BadRequestError: ContextWindowExceededError: ...")],
 ["ctx-window-exceeded","context",unk("Context window exceeded")],
 ["ctx-max-context-limit","context",unk("Request exceeds maximum context limit")],
 ["ctx-payload","context",unk("payload size has exceed context limit")],
 ["ctx-tokens-gt-max","context",unk("205000 tokens > 200000 maximum")],
 ["ctx-bedrock-maxlength","context",unk("Malformed input request: expected maxLength: 42000, actual: 46735, please reformat your input and try again.")],
 # shapes
 ["shape-nested-error","quota",{"error":{"name":"AI_APICallError","statusCode":429,"message":"You exceeded your current quota","responseBody":'{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}',"isRetryable":True}}],
 ["shape-nested-error-402","quota",{"error":{"statusCode":402,"message":"Payment Required"}}],
 ["shape-data-error","quota",{"data":{"error":{"statusCode":402,"message":"Insufficient credits"}}}],
 ["shape-data-error-code","quota",{"data":{"error":{"code":"insufficient_quota","message":"x"}}}],
 ["shape-Insufficient_Quota","quota",api(429,"x",{"error":{"type":"Insufficient_Quota","code":"Insufficient_Quota","message":"x"}})],
 ["shape-InsufficientQuota","quota",unk("The subscription does not have enough quota (Code: InsufficientQuota)")],
 ["shape-retry-after-0","quota",api(429,"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s.",None,{"retry-after":"0"})],
]
import sys
json.dump(cases,sys.stdout,ensure_ascii=False)
