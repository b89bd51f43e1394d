using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGateway.Engine.Credentials;
using Microsoft.Extensions.Time.Testing;

namespace AgentGateway.Engine.Tests.Credentials;

public sealed class CredentialLoaderTests : IDisposable
{
    private static readonly (string CertificatePem, string KeyPem) s_rsa = TestCertificates.Rsa();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("agw-creds-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static JsonObject Json((string CertificatePem, string KeyPem)? pem = null)
    {
        var (cert, key) = pem ?? s_rsa;
        return new JsonObject
        {
            ["tokenServiceUrl"] = "https://ias.example.test/oauth2/token",
            ["clientid"] = "agent-client",
            ["certificate"] = cert,
            ["privateKey"] = key,
            ["gatewayUrl"] = "https://gateway.example.test",
            ["integrationDependencies"] = new JsonArray(
                new JsonObject { ["ordId"] = "sap.travel:apiResource:v1", ["globalTenantId"] = "tenant-1" },
                new JsonObject { ["ordId"] = "sap.crm:apiResource:v1", ["globalTenantId"] = "tenant-2" }),
        };
    }

    private string Write(JsonNode json) => Write(json.ToJsonString());

    private string Write(string text)
    {
        var path = Path.Combine(_dir.FullName, $"creds-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static AgentCredentials LoadExplicit(string path, TimeProvider? time = null) =>
        CredentialLoader.Load(new CredentialSource(CredentialSourceKind.Explicit, path), _ => null, time);

    private static void AssertNoSecret(Exception e)
    {
        foreach (var pem in new[] { s_rsa.CertificatePem, s_rsa.KeyPem })
        {
            Assert.DoesNotContain(TestCertificates.Body(pem), e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(TestCertificates.Body(pem), e.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("-----END", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_file_gives_standard_credentials_with_the_key_in_memory()
    {
        var path = Write(Json());
        using var credentials = LoadExplicit(path);

        Assert.Equal(CredentialMode.Standard, credentials.Mode);
        Assert.Equal("agent-client", credentials.ClientId);
        Assert.Equal(new Uri("https://ias.example.test/oauth2/token"), credentials.TokenServiceUrl);
        Assert.Equal(new Uri("https://gateway.example.test"), credentials.GatewayUrl);
        Assert.Equal([new IntegrationDependency("sap.travel:apiResource:v1", "tenant-1"), new IntegrationDependency("sap.crm:apiResource:v1", "tenant-2")], credentials.Dependencies);
        Assert.NotNull(credentials.ClientCertificate);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
        Assert.Equal(64, credentials.CertificateThumbprint!.Length);
        Assert.Equal(CredentialSourceKind.Explicit, credentials.Source.Kind);

        var shown = credentials.ToString() + credentials.Describe();
        Assert.DoesNotContain(TestCertificates.Body(s_rsa.KeyPem), shown, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCertificates.Body(s_rsa.CertificatePem), shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EC_keys_load_in_pkcs8_and_sec1(bool sec1)
    {
        var path = Write(Json(TestCertificates.Ec(sec1: sec1)));
        using var credentials = LoadExplicit(path);
        Assert.True(credentials.ClientCertificate!.HasPrivateKey);
        Assert.NotNull(credentials.ClientCertificate.GetECDsaPrivateKey());
    }

    [Fact]
    public void A_pkcs1_rsa_key_loads()
    {
        var path = Write(Json(TestCertificates.Rsa(pkcs1: true)));
        using var credentials = LoadExplicit(path);
        Assert.NotNull(credentials.ClientCertificate!.GetRSAPrivateKey());
    }

    [Theory]
    [InlineData("tokenServiceUrl")]
    [InlineData("clientid")]
    [InlineData("certificate")]
    [InlineData("privateKey")]
    [InlineData("gatewayUrl")]
    [InlineData("integrationDependencies")]
    public void A_missing_field_is_named_with_the_file(string field)
    {
        var json = Json();
        json.Remove(field);
        var path = Write(json);

        var e = Assert.Throws<CredentialException>(() => LoadExplicit(path));
        Assert.Equal(field, e.Field);
        Assert.Equal(path, e.Location);
        Assert.Equal(CredentialSourceKind.Explicit, e.SourceKind);
        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        AssertNoSecret(e);
    }

    [Theory]
    [InlineData("clientid", "")]
    [InlineData("clientid", 42)]
    [InlineData("tokenServiceUrl", "not a url")]
    [InlineData("gatewayUrl", "ftp://gateway")]
    [InlineData("integrationDependencies", "tenant-1")]
    public void A_malformed_field_is_named(string field, object value)
    {
        var json = Json();
        json[field] = JsonValue.Create(value);
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(json)));
        Assert.Equal(field, e.Field);
        AssertNoSecret(e);
    }

    [Theory]
    [InlineData("ordId")]
    [InlineData("globalTenantId")]
    public void A_dependency_without_a_field_is_named_with_its_index(string field)
    {
        var json = Json();
        ((JsonObject)json["integrationDependencies"]![1]!).Remove(field);
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(json)));
        Assert.Equal($"integrationDependencies[1].{field}", e.Field);
    }

    [Fact]
    public void Broken_json_names_the_file_and_position_but_no_content()
    {
        var text = Json().ToJsonString();
        var path = Write(text[..(text.Length / 2)]);
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(path));
        Assert.Null(e.Field);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        AssertNoSecret(e);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir.FullName, "absent.json");
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(path));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.Location);
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused()
    {
        var other = TestCertificates.Rsa();
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(Json((s_rsa.CertificatePem, other.KeyPem)))));
        Assert.Equal("privateKey", e.Field);
        Assert.Contains("does not belong to the certificate", e.Message, StringComparison.Ordinal);
        AssertNoSecret(e);
        Assert.DoesNotContain(TestCertificates.Body(other.KeyPem), e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_the_wrong_algorithm_is_refused()
    {
        var ec = TestCertificates.Ec();
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(Json((s_rsa.CertificatePem, ec.KeyPem)))));
        Assert.Equal("privateKey", e.Field);
        AssertNoSecret(e);
    }

    [Fact]
    public void An_expired_certificate_is_refused_by_the_injected_clock()
    {
        var path = Write(Json());
        var future = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(60));
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(path, future));
        Assert.Equal("certificate", e.Field);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
        AssertNoSecret(e);
    }

    [Fact]
    public void A_certificate_not_yet_valid_is_refused()
    {
        var pem = TestCertificates.Rsa(notBefore: DateTimeOffset.UtcNow.AddDays(2), notAfter: DateTimeOffset.UtcNow.AddDays(9));
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(Json(pem))));
        Assert.Equal("certificate", e.Field);
        Assert.Contains("not valid before", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("certificate", "garbage, not PEM at all")]
    [InlineData("certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")]
    [InlineData("privateKey", "garbage, not PEM at all")]
    [InlineData("privateKey", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
    [InlineData("privateKey", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")]
    public void Garbage_pem_is_named_by_field(string field, string value)
    {
        var json = Json();
        json[field] = value;
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(json)));
        Assert.Equal(field, e.Field);
        AssertNoSecret(e);
        Assert.DoesNotContain("AAAA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_binding_reads_its_credentials_file()
    {
        var folder = _dir.CreateSubdirectory("binding");
        File.WriteAllText(Path.Combine(folder.FullName, "type"), "integration-credentials\n");
        File.WriteAllText(Path.Combine(folder.FullName, "credentials"), Json().ToJsonString());
        var source = CredentialSourceLocator.Locate(null, name => name == CredentialSourceLocator.ServiceBindingRootVariable ? _dir.FullName : null);
        Assert.Equal(CredentialSourceKind.ServiceBinding, source.Kind);

        using var credentials = CredentialLoader.Load(source, _ => null);
        Assert.Equal("agent-client", credentials.ClientId);
        Assert.Equal(CredentialSourceKind.ServiceBinding, credentials.Source.Kind);
    }

    [Fact]
    public void A_service_binding_error_names_its_credentials_file()
    {
        var folder = _dir.CreateSubdirectory("binding2");
        var json = Json();
        json.Remove("gatewayUrl");
        File.WriteAllText(Path.Combine(folder.FullName, "credentials"), json.ToJsonString());
        var e = Assert.Throws<CredentialException>(() => CredentialLoader.Load(new CredentialSource(CredentialSourceKind.ServiceBinding, folder.FullName), _ => null));
        Assert.Equal(Path.Combine(folder.FullName, "credentials"), e.Location);
        Assert.Equal("gatewayUrl", e.Field);
    }

    private static Func<string, string?> Env(Dictionary<string, string> vars) => name => vars.GetValueOrDefault(name);

    private static Dictionary<string, string> TransparentVars() => new()
    {
        ["INTEGRATION_CLIENT_ID"] = "agent-transparent",
        ["INTEGRATION_AUTH_URL"] = "https://ias.example.test/oauth2/token",
        ["INTEGRATION_GATEWAY_URL"] = "https://gateway.example.test/v1/mcp",
        ["INTEGRATION_DEPENDENCIES"] = JsonSerializer.Serialize(new[] { new { ordId = "o1", globalTenantId = "t1" } }),
    };

    [Fact]
    public void Transparent_mode_reads_the_environment_without_a_certificate()
    {
        var vars = TransparentVars();
        var source = CredentialSourceLocator.Locate(null, name => name == CredentialSourceLocator.ServiceBindingRootVariable ? _dir.FullName : vars.GetValueOrDefault(name));
        Assert.Equal(CredentialSourceKind.Environment, source.Kind);
        using var credentials = CredentialLoader.Load(source, Env(vars));
        Assert.Equal(CredentialMode.Transparent, credentials.Mode);
        Assert.Null(credentials.ClientCertificate);
        Assert.Null(credentials.CertificateThumbprint);
        Assert.Equal("agent-transparent", credentials.ClientId);
        Assert.Equal([new IntegrationDependency("o1", "t1")], credentials.Dependencies);
    }

    [Theory]
    [InlineData("INTEGRATION_AUTH_URL")]
    [InlineData("INTEGRATION_GATEWAY_URL")]
    [InlineData("INTEGRATION_DEPENDENCIES")]
    public void Transparent_mode_names_a_missing_variable(string variable)
    {
        var vars = TransparentVars();
        vars.Remove(variable);
        var e = Assert.Throws<CredentialException>(() => CredentialLoader.FromEnvironment(Env(vars)));
        Assert.Equal(variable, e.Field);
        Assert.Equal(variable, e.Location);
        Assert.Equal(CredentialSourceKind.Environment, e.SourceKind);
        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"ordId\": \"o1\"}]", "INTEGRATION_DEPENDENCIES[0].globalTenantId")]
    [InlineData("{\"ordId\": \"o1\"}", "INTEGRATION_DEPENDENCIES")]
    [InlineData("[{\"ordId\": ", "INTEGRATION_DEPENDENCIES")]
    public void Transparent_mode_names_a_malformed_dependency(string json, string field)
    {
        var vars = TransparentVars();
        vars["INTEGRATION_DEPENDENCIES"] = json;
        var e = Assert.Throws<CredentialException>(() => CredentialLoader.FromEnvironment(Env(vars)));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void No_source_says_where_it_looked_and_leaves_what_to_type_to_the_cmdlets()
    {
        var e = Assert.Throws<CredentialException>(() => CredentialLoader.Load(CredentialSource.None, _ => null));
        Assert.Equal(CredentialSourceKind.None, e.SourceKind);
        Assert.Contains("no credentials file is set", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Set-AgwClientConfig", e.Message, StringComparison.Ordinal);
        Assert.Contains("INTEGRATION_CLIENT_ID", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenServiceUrl", "http://ias.example.test/oauth2/token")]
    [InlineData("gatewayUrl", "http://gateway.example.test")]
    public void A_plain_http_url_to_a_remote_host_is_refused_naming_the_field(string field, string url)
    {
        // Defect 2: client credentials, user JWTs and tokens must never travel in clear text.
        var json = Json();
        json[field] = url;

        var e = Assert.Throws<CredentialException>(() => LoadExplicit(Write(json)));

        Assert.Equal(CredentialErrorKind.InsecureTransport, e.Kind);
        Assert.Equal(field, e.Field);
        Assert.Contains("https", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/oauth2/token")]
    [InlineData("http://localhost:8080/oauth2/token")]
    [InlineData("http://[::1]:8080/oauth2/token")]
    public void Plain_http_to_a_loopback_address_is_allowed(string url)
    {
        var json = Json();
        json["tokenServiceUrl"] = url;

        using var credentials = LoadExplicit(Write(json));

        Assert.Equal(new Uri(url), credentials.TokenServiceUrl);
    }

    [Theory]
    [InlineData("INTEGRATION_AUTH_URL")]
    [InlineData("INTEGRATION_GATEWAY_URL")]
    public void Transparent_mode_refuses_plain_http_to_a_remote_host(string variable)
    {
        var vars = TransparentVars();
        vars[variable] = "http://remote.example.test/x";

        var e = Assert.Throws<CredentialException>(() => CredentialLoader.FromEnvironment(Env(vars)));

        Assert.Equal(CredentialErrorKind.InsecureTransport, e.Kind);
        Assert.Equal(variable, e.Field);
    }

    [Fact]
    public void A_file_over_the_size_cap_is_refused_before_it_is_read()
    {
        var path = Write(new string(' ', CredentialLoader.MaxFileBytes + 1));
        var e = Assert.Throws<CredentialException>(() => LoadExplicit(path));
        Assert.Contains("more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_or_a_pipe_is_refused_without_blocking()
    {
        // Defect 6: /dev/zero used to be read until memory ran out, a FIFO blocked the open for ever.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fifo = Path.Combine(_dir.FullName, "creds.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        foreach (var path in new[] { "/dev/zero", fifo })
        {
            var load = Task.Run(() => LoadExplicit(path));
            var finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.Same(load, finished);
            var e = await Assert.ThrowsAsync<CredentialException>(() => load);
            Assert.Contains("not a regular file", e.Message, StringComparison.Ordinal);
        }
    }
}
