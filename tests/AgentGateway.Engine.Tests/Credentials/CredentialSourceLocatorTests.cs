using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Tests.Credentials;

public sealed class CredentialSourceLocatorTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("agw-bindings-");

    public void Dispose() => _root.Delete(recursive: true);

    private Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => name == CredentialSourceLocator.ServiceBindingRootVariable
            ? _root.FullName
            : variables.FirstOrDefault(v => v.Name == name).Value;

    private void Binding(string name, string type)
    {
        var folder = _root.CreateSubdirectory(name);
        File.WriteAllText(Path.Combine(folder.FullName, "type"), type);
    }

    [Fact]
    public void Nothing_found_is_None()
    {
        Assert.Equal(CredentialSourceKind.None, CredentialSourceLocator.Locate(null, Env()).Kind);
    }

    [Fact]
    public void Explicit_path_wins_over_binding_and_environment()
    {
        Binding("b1", "integration-credentials");
        var source = CredentialSourceLocator.Locate("/some/creds.json", Env(("INTEGRATION_CLIENT_ID", "x")));
        Assert.Equal(CredentialSourceKind.Explicit, source.Kind);
        Assert.Equal(Path.GetFullPath("/some/creds.json"), source.Location);
    }

    [Fact]
    public void Binding_is_the_first_folder_of_the_right_type_trimmed()
    {
        Binding("a-other", "postgresql");
        Binding("b-ours", "  integration-credentials\n");
        Binding("c-ours-too", "integration-credentials");
        var source = CredentialSourceLocator.Locate(null, Env(("INTEGRATION_CLIENT_ID", "x")));
        Assert.Equal(CredentialSourceKind.ServiceBinding, source.Kind);
        Assert.Equal(Path.Combine(_root.FullName, "b-ours"), source.Location);
    }

    [Fact]
    public void Environment_is_used_when_no_binding_matches()
    {
        Binding("a-other", "postgresql");
        var source = CredentialSourceLocator.Locate(null, Env(("INTEGRATION_CLIENT_ID", "agent")));
        Assert.Equal(CredentialSourceKind.Environment, source.Kind);
    }
}
