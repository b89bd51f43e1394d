using System.Text.Json.Nodes;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.ServerRequests;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Mcp.ServerRequests;

public sealed class McpElicitationFieldTests
{
    private static readonly McpElicitation s_form = new()
    {
        ServerName = "desk",
        Mode = McpElicitationMode.Form,
        Message = "Where to?",
        Fields =
        [
            new McpElicitationField { Name = "destination", Type = "string", Title = "Destination", Required = true, MinLength = 2 },
            new McpElicitationField { Name = "nights", Type = "integer", Title = "Nights", Required = true, Minimum = 1, Maximum = 30 },
            new McpElicitationField { Name = "cabin", Type = "string", Choices = [new("economy", "Economy"), new("business", "Business")] },
            new McpElicitationField { Name = "breakfast", Type = "boolean" },
            new McpElicitationField { Name = "price", Type = "number" },
        ],
    };

    private static McpElicitationField Field(string name) => s_form.Fields.Single(f => f.Name == name);

    [Theory]
    [InlineData("nights", "3", "3")]
    [InlineData("price", "12.5", "12.5")]
    [InlineData("breakfast", "yes", "true")]
    [InlineData("breakfast", "False", "false")]
    [InlineData("cabin", "business", "\"business\"")]
    [InlineData("destination", "Lisbon", "\"Lisbon\"")]
    public void Typed_input_becomes_the_fields_JSON_value(string name, string input, string json)
    {
        Assert.True(Field(name).TryConvert(input, out var value, out var error), error);
        Assert.Equal(json, value!.ToJsonString());
    }

    [Theory]
    [InlineData("nights", "many", "whole number")]
    [InlineData("nights", "2.5", "whole number")]
    [InlineData("nights", "31", "between 1 and 30")]
    [InlineData("price", "cheap", "a number")]
    [InlineData("breakfast", "maybe", "yes or no")]
    [InlineData("cabin", "first", "economy, business")]
    [InlineData("destination", "X", "2 to")]
    public void Input_of_the_wrong_type_or_out_of_bounds_is_refused_with_a_reason(string name, string input, string reason)
    {
        Assert.False(Field(name).TryConvert(input, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scripted_answer_is_checked_against_the_schema()
    {
        var content = s_form.CheckAnswer(new Dictionary<string, object?> { ["destination"] = "Rome", ["NIGHTS"] = 2, ["breakfast"] = true, ["price"] = 9.5m });

        Assert.Equal("""{"destination":"Rome","nights":2,"breakfast":true,"price":9.5}""", content.ToJsonString());
    }

    [Theory]
    [InlineData("nights", "many", "whole number")]
    [InlineData("nights", true, "whole number")]
    [InlineData("breakfast", 1, "true or false")]
    [InlineData("colour", "red", "asked for no field 'colour'")]
    public void A_scripted_answer_of_the_wrong_type_names_the_field(string name, object value, string reason)
    {
        var answer = new Dictionary<string, object?> { ["destination"] = "Rome", ["nights"] = 2, [name] = value };

        var e = Assert.Throws<ArgumentException>(() => s_form.CheckAnswer(answer));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scripted_answer_without_a_required_field_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => s_form.CheckAnswer(new Dictionary<string, object?> { ["destination"] = "Rome" }));
        Assert.Contains("'nights'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_log_notification_reads_as_one_line_prefixed_with_the_server()
    {
        Assert.Equal("[desk] info desk: checking", McpServerRequests.FormatLog("desk", new JsonObject { ["level"] = "info", ["logger"] = "desk", ["data"] = "checking" }));
        Assert.Equal("""[desk] warning: {"a":1}""", McpServerRequests.FormatLog("desk", new JsonObject { ["level"] = "warning", ["data"] = new JsonObject { ["a"] = 1 } }));
    }
}

/// <summary>The desk server's requests during a call, answered through the engine's interaction.</summary>
[Collection(SandboxCollection.Name)]
public sealed class McpServerRequestTests : IAsyncLifetime
{
    private readonly SandboxGateway _sandbox;
    private readonly SandboxTokenSource _tokens;
    private readonly McpClientPool _pool;
    private readonly McpGatewayClient _client;
    private readonly McpAuth _auth;
    private readonly McpTarget _desk;

    public McpServerRequestTests(SandboxGatewayFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _tokens = new SandboxTokenSource(_sandbox);
        _pool = new McpClientPool(new McpPoolOptions { Timeout = TimeSpan.FromSeconds(20), TrustedCaPath = _sandbox.CaCertificatePath });
        _client = new McpGatewayClient(_pool);
        _auth = McpAuth.Gateway(_tokens, _sandbox.GatewayUrl);
        var d = _sandbox.Server("sandbox-desk");
        _desk = McpTarget.ForDependency(_sandbox.GatewayUrl.ToString(), new IntegrationDependency(d.OrdId, d.GlobalTenantId));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        _tokens.Dispose();
    }

    private async Task<McpCallResult> CallAsync(string tool, IMcpCallInteraction? interaction, ICallLogSink? log = null)
    {
        using (CallLog.Use(log))
        using (McpInteraction.Use(interaction))
        {
            return await _client.CallToolAsync(_desk, _auth, tool, null);
        }
    }

    [Fact]
    public async Task A_form_is_answered_by_the_calls_interaction_with_the_fields_the_server_asked_for()
    {
        var interaction = new Answering(r => McpElicitationAnswer.Accept(r.CheckAnswer(new Dictionary<string, object?> { ["destination"] = "Oslo", ["nights"] = 4, ["cabin"] = "business" })));

        var result = await CallAsync("book-trip", interaction);

        Assert.StartsWith("accept ", result.Text, StringComparison.Ordinal);
        Assert.Contains("\"destination\":\"Oslo\"", result.Text, StringComparison.Ordinal);
        var asked = Assert.Single(interaction.Asked);
        Assert.Equal("sandbox-desk", asked.ServerName);
        Assert.Equal(["destination", "nights", "cabin", "breakfast"], asked.Fields.Select(f => f.Name));
        Assert.Equal(["economy", "business"], asked.Fields.Single(f => f.Name == "cabin").Choices.Select(c => c.Value));
        Assert.Equal("2", asked.Fields.Single(f => f.Name == "nights").Default!.ToJsonString());
        Assert.True(asked.Fields.Single(f => f.Name == "nights").Required);
    }

    [Theory]
    [InlineData(nameof(McpElicitationAction.Decline), "decline")]
    [InlineData(nameof(McpElicitationAction.Cancel), "cancel")]
    public async Task Decline_and_cancel_reach_the_server(string actionName, string text)
    {
        var action = Enum.Parse<McpElicitationAction>(actionName);
        var result = await CallAsync("book-trip", new Answering(_ => new McpElicitationAnswer(action)));
        Assert.Equal(text, result.Text);
    }

    [Fact]
    public async Task Without_an_interaction_the_engine_declines()
    {
        Assert.Equal("decline", (await CallAsync("book-trip", null)).Text);
    }

    [Fact]
    public async Task A_url_elicitation_carries_the_url()
    {
        var interaction = new Answering(_ => McpElicitationAnswer.Accept());

        var result = await CallAsync("open-consent", interaction);

        Assert.Equal("accept", result.Text);
        var asked = Assert.Single(interaction.Asked);
        Assert.Equal(McpElicitationMode.Url, asked.Mode);
        Assert.Equal("https://consent.sandbox.invalid/budget/42", asked.Url);
    }

    [Fact]
    public async Task Log_notifications_reach_the_calls_verbose_log_and_ping_is_answered()
    {
        var log = new ListSink();

        var result = await CallAsync("chatty", null, log);

        Assert.Equal("the client answered ping", result.Text);
        Assert.Contains("[sandbox-desk] info desk: checking the budget", log.Lines);
        Assert.Contains("""[sandbox-desk] warning: {"note":"budget nearly spent"}""", log.Lines);
    }

    [Fact]
    public async Task The_calls_timeout_stops_while_the_answer_is_awaited()
    {
        // Defect 8: a person's answer is theirs to give; the call's -TimeoutSec counts only the network and checks.
        await CallAsync("chatty", null); // the session is set up outside the timed call
        var interaction = new Slow(TimeSpan.FromMilliseconds(2500), McpElicitationAnswer.Decline);

        McpCallResult result;
        using (McpInteraction.Use(interaction))
        {
            result = await _client.CallToolAsync(_desk, _auth, "book-trip", null, timeout: TimeSpan.FromSeconds(1));
        }

        Assert.Equal("decline", result.Text);
    }

    [Fact]
    public async Task An_answer_that_never_comes_is_a_cancel_after_the_answer_timeout()
    {
        await using var pool = new McpClientPool(_pool.Options with { AnswerTimeout = TimeSpan.FromMilliseconds(300) });
        var client = new McpGatewayClient(pool);
        var log = new ListSink();

        McpCallResult result;
        using (CallLog.Use(log))
        using (McpInteraction.Use(new Slow(Timeout.InfiniteTimeSpan, McpElicitationAnswer.Decline)))
        {
            result = await client.CallToolAsync(_desk, _auth, "book-trip", null);
        }

        Assert.Equal("cancel", result.Text);
        Assert.Contains("No answer to 'sandbox-desk' within 0.3 s: it is told the request was cancelled.", log.Lines);
    }

    /// <summary>Answers after a while (a person thinking), or never (until the wait is cancelled).</summary>
    private sealed class Slow(TimeSpan delay, McpElicitationAnswer answer) : IMcpCallInteraction
    {
        public async Task<McpElicitationAnswer> ElicitAsync(McpElicitation request, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return answer;
        }
    }

    private sealed class Answering(Func<McpElicitation, McpElicitationAnswer> answer) : IMcpCallInteraction
    {
        public List<McpElicitation> Asked { get; } = [];

        public Task<McpElicitationAnswer> ElicitAsync(McpElicitation request, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(request);
            }

            return Task.FromResult(answer(request));
        }
    }

    private sealed class ListSink : ICallLogSink
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Verbose(string message)
        {
            lock (_lines)
            {
                _lines.Add(message);
            }
        }

        public void Debug(string message)
        {
        }
    }
}
