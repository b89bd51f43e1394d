using AgentGateway.Engine.Configuration;

namespace AgentGateway.Engine.Tests.Configuration;

public class ClientConfigTests
{
    [Fact]
    public void Defaults_match_the_design_table()
    {
        var config = ClientConfig.Default;
        Assert.Equal(TimeSpan.FromSeconds(60), config.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), config.TokenExpiryBuffer);
        Assert.Equal(TimeSpan.FromSeconds(300), config.FallbackTokenTtl);
        Assert.Equal(10, config.MaxSystemTokenCacheSize);
        Assert.Equal(10, config.MaxUserTokenCacheSize);
        Assert.Equal(32, config.MaxResponseSizeMB);
        Assert.Equal(32L * 1024 * 1024, config.MaxResponseSizeBytes);
        Assert.Null(config.CredentialPath);
        Assert.Null(config.TrustedCaPath);
    }

    [Fact]
    public void With_changes_only_the_given_fields()
    {
        var config = ClientConfig.Default.With(timeout: TimeSpan.FromSeconds(5), maxUserTokenCacheSize: 3);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Timeout);
        Assert.Equal(3, config.MaxUserTokenCacheSize);
        Assert.Equal(ClientConfig.Default.TokenExpiryBuffer, config.TokenExpiryBuffer);
        Assert.Equal(ClientConfig.Default.MaxSystemTokenCacheSize, config.MaxSystemTokenCacheSize);
    }

    // The changes by case number: a public theory cannot take a Func of the internal ClientConfig.
    private static readonly (string Field, Func<ClientConfig, ClientConfig> Change)[] s_violations =
    [
        (nameof(ClientConfig.Timeout), c => c.With(timeout: TimeSpan.Zero)),
        (nameof(ClientConfig.Timeout), c => c.With(timeout: TimeSpan.FromSeconds(-1))),
        (nameof(ClientConfig.FallbackTokenTtl), c => c.With(fallbackTokenTtl: TimeSpan.Zero)),
        (nameof(ClientConfig.TokenExpiryBuffer), c => c.With(tokenExpiryBuffer: TimeSpan.FromSeconds(300))),
        (nameof(ClientConfig.TokenExpiryBuffer), c => c.With(fallbackTokenTtl: TimeSpan.FromSeconds(30))),
        (nameof(ClientConfig.TokenExpiryBuffer), c => c.With(tokenExpiryBuffer: TimeSpan.FromSeconds(-1))),
        (nameof(ClientConfig.MaxSystemTokenCacheSize), c => c.With(maxSystemTokenCacheSize: 0)),
        (nameof(ClientConfig.MaxUserTokenCacheSize), c => c.With(maxUserTokenCacheSize: -5)),
        (nameof(ClientConfig.MaxResponseSizeMB), c => c.With(maxResponseSizeMB: 0)),
        (nameof(ClientConfig.MaxResponseSizeMB), c => c.With(maxResponseSizeMB: double.NaN)),
        (nameof(ClientConfig.MaxResponseSizeMB), c => c.With(maxResponseSizeMB: ClientConfig.MaxMaxResponseSizeMB + 1)),
    ];

    public static TheoryData<int, string> Violations
    {
        get
        {
            var data = new TheoryData<int, string>();
            for (var i = 0; i < s_violations.Length; i++)
            {
                data.Add(i, s_violations[i].Field);
            }

            return data;
        }
    }

    [Fact]
    public void The_response_size_limit_reaches_the_pool_in_bytes()
    {
        var config = ClientConfig.Default.With(maxResponseSizeMB: 0.5);
        Assert.Equal(512 * 1024, AgentGateway.Engine.Mcp.Transport.McpPoolOptions.From(config).MaxResponseSize);
        Assert.NotEqual(AgentGateway.Engine.Mcp.Transport.McpPoolOptions.From(ClientConfig.Default), AgentGateway.Engine.Mcp.Transport.McpPoolOptions.From(config));
    }

    [Theory]
    [MemberData(nameof(Violations))]
    public void A_broken_rule_is_refused_naming_the_field(int index, string field)
    {
        var change = s_violations[index].Change;
        var error = Assert.Throws<ClientConfigException>(() => change(ClientConfig.Default));
        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Buffer_and_ttl_changed_together_are_judged_together()
    {
        var config = ClientConfig.Default.With(tokenExpiryBuffer: TimeSpan.FromSeconds(400), fallbackTokenTtl: TimeSpan.FromSeconds(600));
        Assert.Equal(TimeSpan.FromSeconds(400), config.TokenExpiryBuffer);
        Assert.Equal(TimeSpan.FromSeconds(600), config.FallbackTokenTtl);
    }

    [Fact]
    public void Paths_can_be_set_kept_and_cleared()
    {
        var set = ClientConfig.Default.With(credentialPath: "/tmp/creds.json");
        Assert.Equal("/tmp/creds.json", set.CredentialPath);
        Assert.Equal("/tmp/creds.json", set.With(timeout: TimeSpan.FromSeconds(1)).CredentialPath);
        Assert.Null(set.With(credentialPath: (string?)null).CredentialPath);
        Assert.Null(set.With(credentialPath: " ").CredentialPath);
    }
}
