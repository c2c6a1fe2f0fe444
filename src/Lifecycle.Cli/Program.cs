using System.CommandLine;
using Lifecycle.Cli;

var root = new RootCommand("Lifecycle: B2B customer-lifecycle marketing. Runs on SQLite by default, PostgreSQL with --db.");
root.Options.Add(CliOptions.Db);
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ImportExportCommands.Import());
root.Subcommands.Add(ImportExportCommands.Export());
root.Subcommands.Add(AttributionCommand.Create());
root.Subcommands.Add(StatsCommand.Create());
root.Subcommands.Add(ExperimentCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(SegmentsCommand.Create());
return await CliExit.RunAsync(root, args);
