import Foundation
import SyncNode

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
