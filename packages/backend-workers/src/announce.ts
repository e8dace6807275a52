import { announceBackendPackage } from '@kindling/tensor';

// Importing the package registers nothing, but tells the registry it is here, so that a default
// chosen while its backend is unregistered says which call was forgotten.
announceBackendPackage('workers', '@kindling/backend-workers', 'registerWorkersBackend');
