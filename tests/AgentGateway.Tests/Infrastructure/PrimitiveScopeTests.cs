using System.Collections;
using System.Management.Automation;
using System.Net;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Runspace;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// What a prompt or resource command line names for Tab and a prompt's argument parameters: the servers, and the auth
/// its call would use (the -AccessToken typed with -Uri, however it was typed). A runspace state without credentials:
/// nothing here reaches the network.
/// </summary>
public sealed class PrimitiveScopeTests : IDisposable
{
    private readonly Uri _endpoint = new("https://mcp.example.test/mcp");
    private readonly RunspaceState _state = new(_ => null);

    public void Dispose() => _state.Dispose();

    public static TheoryData<object> TypedTokens =>
    [
        "typed-token",
        new NetworkCredential(string.Empty, "typed-token").SecurePassword,
        new PSObject(new NetworkCredential(string.Empty, "typed-token").SecurePassword),
        new PSCredential("user", new NetworkCredential(string.Empty, "typed-token").SecurePassword),
    ];

    [Theory]
    [MemberData(nameof(TypedTokens))]
    public void The_access_token_typed_with_Uri_is_the_one_the_endpoint_gets(object token)
    {
        var scope = PrimitiveScope.OfLine(_state, new Hashtable { ["Uri"] = _endpoint.ToString(), ["AccessToken"] = token });

        Assert.NotNull(scope);
        Assert.Equal(_endpoint, Assert.Single(scope.Targets).Url);
        Assert.False(scope.IsDependencies);
        Assert.Equal(McpAuthMode.FixedToken, scope.Auth.ModeFor(_endpoint));
        Assert.Equal("typed-token", scope.Auth.FixedToken);
    }

    [Fact]
    public void Without_a_typed_token_the_endpoint_gets_none()
    {
        var scope = PrimitiveScope.OfLine(_state, new Hashtable { ["Uri"] = new PSObject(_endpoint) });

        Assert.NotNull(scope);
        Assert.Null(scope.Auth.FixedToken);
        Assert.NotEqual(McpAuthMode.FixedToken, scope.Auth.ModeFor(_endpoint));
    }

    [Fact]
    public void A_local_server_is_one_already_running_and_gets_no_token()
    {
        var bound = new Hashtable { ["Command"] = "node", ["ArgumentList"] = new object[] { "server.js" }, ["AccessToken"] = "typed-token" };
        Assert.Null(PrimitiveScope.OfLine(_state, bound));

        var local = _state.Connections.AddLocalServer(new McpLocalServer("node", ["server.js"], Path.GetTempPath(), new Dictionary<string, string?>()));
        var scope = PrimitiveScope.OfLine(_state, bound);

        Assert.NotNull(scope);
        Assert.Equal(local.Endpoint, Assert.Single(scope.Targets).Url);
        Assert.Same(McpAuth.None, scope.Auth);
        Assert.Null(PrimitiveScope.OfLine(_state, new Hashtable { ["Command"] = "node", ["ArgumentList"] = "other.js" }));
    }

    [Fact]
    public void Without_credentials_neither_an_ORD_id_nor_the_dependencies_name_a_server()
    {
        Assert.Null(PrimitiveScope.OfLine(_state, new Hashtable { ["OrdId"] = "sap.sandbox:mcpServer:travel:v1" }));
        Assert.Null(PrimitiveScope.OfLine(_state, new Hashtable()));
        Assert.Null(PrimitiveScope.OfLine(_state, new Hashtable { ["Uri"] = "not a uri" }));
    }
}
