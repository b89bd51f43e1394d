# A scripted PSHost for tests that need an interactive host (elicitation prompts) or want to see what a host is
# given: its user interface answers PromptForChoice and Prompt from a queue and records what it was shown (captions,
# messages, choices and the default choice, each FieldDescription), the error and warning lines (Errors), and every
# other write (Written). Dot-sourced; the types are added once per process.
if (-not ('AgwTest.ScriptedHost' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace AgwTest
{
    /// <summary>What one prompt showed: its kind (Choice or Prompt), caption, message, and the choices or fields.</summary>
    public sealed class Shown
    {
        public string Kind { get; set; }
        public string Caption { get; set; }
        public string Message { get; set; }
        public string[] Choices { get; set; }
        public string[] ChoiceHelp { get; set; }
        public int DefaultChoice { get; set; }
        public string FieldName { get; set; }
        public string FieldLabel { get; set; }
        public string FieldHelp { get; set; }
        public bool FieldMandatory { get; set; }
        public object FieldDefault { get; set; }
    }

    /// <summary>Answers from a queue: an int for PromptForChoice ('default' takes the default choice), a string for Prompt.</summary>
    public sealed class ScriptedUI : PSHostUserInterface
    {
        public Queue<object> Answers { get; } = new Queue<object>();
        public List<Shown> Shown { get; } = new List<Shown>();
        public List<string> Errors { get; } = new List<string>();

        /// <summary>Every other text given to the host, as given: output, verbose and debug lines, progress (activity, status, operation).</summary>
        public List<string> Written { get; } = new List<string>();

        public override PSHostRawUserInterface RawUI { get { return null; } }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            foreach (var d in descriptions)
            {
                Shown.Add(new Shown
                {
                    Kind = "Prompt", Caption = caption, Message = message, FieldName = d.Name, FieldLabel = d.Label,
                    FieldHelp = d.HelpMessage, FieldMandatory = d.IsMandatory, FieldDefault = d.DefaultValue == null ? null : d.DefaultValue.BaseObject,
                });
            }

            var answer = Next("Prompt for " + descriptions[0].Name);
            return new Dictionary<string, PSObject> { { descriptions[0].Name, new PSObject(Convert.ToString(answer, CultureInfo.InvariantCulture)) } };
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Shown.Add(new Shown { Kind = "Choice", Caption = caption, Message = message, Choices = choices.Select(c => c.Label).ToArray(), ChoiceHelp = choices.Select(c => c.HelpMessage).ToArray(), DefaultChoice = defaultChoice });
            var answer = Next("PromptForChoice '" + caption + "'");
            return "default".Equals(answer) ? defaultChoice : Convert.ToInt32(answer, CultureInfo.InvariantCulture);
        }

        private object Next(string what)
        {
            if (Answers.Count == 0) { throw new InvalidOperationException("The script has no answer left for " + what + "."); }
            return Answers.Dequeue();
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }
        public override string ReadLine() { throw new NotSupportedException(); }
        public override SecureString ReadLineAsSecureString() { throw new NotSupportedException(); }
        public override void Write(string value) { Written.Add(value); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { Written.Add(value); }
        public override void WriteLine(string value) { Written.Add(value); }
        public override void WriteErrorLine(string value) { Errors.Add(value); }
        public override void WriteDebugLine(string message) { Written.Add(message); }
        public override void WriteProgress(long sourceId, ProgressRecord record) { Written.Add(record.Activity); Written.Add(record.StatusDescription); Written.Add(record.CurrentOperation); }
        public override void WriteVerboseLine(string message) { Written.Add(message); }
        public override void WriteWarningLine(string message) { Errors.Add("WARNING: " + message); }
    }

    public sealed class ScriptedHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly ScriptedUI _ui;

        public ScriptedHost(ScriptedUI ui) { _ui = ui; }

        public override string Name { get { return "AgwScriptedHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return _id; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }
}
'@
}
