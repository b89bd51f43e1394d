using System.Text.Json.Nodes;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Tests.Credentials;

namespace AgentGateway.Engine.Tests.Configuration;

/// <summary>With(checkFiles: true), as Set-AgwClientConfig calls it: files are read when they are set, every problem in one exception.</summary>
public sealed class ClientConfigFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string ValidCredentials(Action<JsonObject>? change = null)
    {
        var (cert, key) = TestCertificates.Rsa();
        var json = new JsonObject
        {
            ["tokenServiceUrl"] = "https://ias.example.test/oauth2/token",
            ["clientid"] = "agent-client",
            ["certificate"] = cert,
            ["privateKey"] = key,
            ["gatewayUrl"] = "https://gateway.example.test",
            ["integrationDependencies"] = new JsonArray(new JsonObject { ["ordId"] = "sap.travel:apiResource:v1", ["globalTenantId"] = "tenant-1" }),
        };
        change?.Invoke(json);
        return Write($"creds-{Guid.NewGuid():N}.json", json.ToJsonString());
    }

    private string CaFile()
    {
        var (cert, _) = TestCertificates.Rsa("CN=test-ca");
        return Write("ca.pem", cert);
    }

    [Fact]
    public void Usable_files_are_taken()
    {
        var credentials = ValidCredentials();
        var ca = CaFile();
        var config = ClientConfig.Default.With(credentialPath: credentials, trustedCaPath: ca, checkFiles: true);
        Assert.Equal(credentials, config.CredentialPath);
        Assert.Equal(ca, config.TrustedCaPath);
    }

    [Fact]
    public void A_missing_credentials_file_is_refused_with_the_message_of_a_load()
    {
        var path = Path.Combine(_dir.FullName, "nope.json");
        var atLoad = Assert.Throws<CredentialException>(() => CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path)));

        var error = Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(credentialPath: path, checkFiles: true));

        Assert.Equal(nameof(ClientConfig.CredentialPath), error.Field);
        Assert.Equal(atLoad.Message, error.Message);
    }

    [Fact]
    public void A_credentials_file_without_a_field_is_refused_naming_the_field()
    {
        var path = ValidCredentials(json => json.Remove("gatewayUrl"));
        var error = Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(credentialPath: path, checkFiles: true));
        Assert.Contains("gatewayUrl", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a certificate\n")]
    [InlineData("")]
    public void A_ca_file_without_a_pem_certificate_is_refused(string text)
    {
        var path = Write("hostname", text);
        var error = Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(trustedCaPath: path, checkFiles: true));
        Assert.Equal(nameof(ClientConfig.TrustedCaPath), error.Field);
        Assert.Contains("no PEM certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_invalid_value_is_reported_in_one_exception()
    {
        var ca = Write("hostname", "a host name\n");
        var credentials = Path.Combine(_dir.FullName, "nope.json");

        var error = Assert.Throws<ClientConfigException>(() => ClientConfig.Default.With(
            timeout: TimeSpan.Zero, maxUserTokenCacheSize: 0, credentialPath: credentials, trustedCaPath: ca, checkFiles: true));

        Assert.Equal(
            [nameof(ClientConfig.Timeout), nameof(ClientConfig.MaxUserTokenCacheSize), nameof(ClientConfig.CredentialPath), nameof(ClientConfig.TrustedCaPath)],
            error.Problems.Select(p => p.Field));
        foreach (var problem in error.Problems)
        {
            Assert.Contains(problem.Message, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Files_are_read_only_when_asked_and_only_when_set_here()
    {
        var missing = Path.Combine(_dir.FullName, "nope.json");
        var config = ClientConfig.Default.With(credentialPath: missing);      // the engine's own callers: no check
        Assert.Equal(missing, config.CredentialPath);
        Assert.Equal(TimeSpan.FromSeconds(5), config.With(timeout: TimeSpan.FromSeconds(5), checkFiles: true).Timeout);   // not set again: not read
        Assert.Null(config.With(credentialPath: (string?)null, checkFiles: true).CredentialPath);                          // cleared: nothing to read
    }
}
